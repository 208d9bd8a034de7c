"""The manifest a dataset converter keeps in its output folder.

``<out>/<name>.json`` records what a conversion wrote (its ``identity``: the
dataset, source and mode), ``complete=False`` while it runs and
``complete=True`` plus the per-split ``counts`` once done. A re-run of the
same conversion resumes; an output made from something else is refused
unless ``overwrite``. Shared by ``prepare_paper_dataset`` and
``prepare_cityscapes_syn``.
"""
import os
import os.path as osp
import shutil
import warnings
from typing import Dict, Optional, Sequence

from ..utils import dump_json_atomic, load_json_if_exists


class DatasetManifest:
    """The manifest of one conversion into ``out``.

    Args:
        out (str): The output root.
        name (str): The manifest's file name (``<converter>.json``).
        identity (dict): What makes two conversions the same.
        folders (Sequence[str]): The folders of ``out`` the converter owns
            (relative to ``out``); other content of ``out`` is left alone.
        derived (Sequence[str]): Folders made from the owned ones (e.g.
            ``train/sam_masks``): kept on overwrite, with a warning that
            they are stale.
    """

    def __init__(self,
                 out: str,
                 name: str,
                 identity: dict,
                 folders: Sequence[str],
                 derived: Sequence[str] = ()) -> None:
        self.out = out
        self.path = osp.join(out, name)
        self.identity = dict(identity)
        self.folders = [osp.join(out, f) for f in folders]
        self.derived = [osp.join(out, f) for f in derived]

    def read(self) -> Optional[dict]:
        """The manifest on disk, or None."""
        return load_json_if_exists(self.path)

    def claim(self, overwrite: bool) -> None:
        """Make the owned folders ours: unused, holding the same conversion
        (a re-run or a resumed run), or emptied when ``overwrite``.

        Raises:
            FileExistsError: ``out`` holds something else and not
                ``overwrite``.
        """
        existing = self.read()
        if existing is not None and all(
                existing.get(k) == v for k, v in self.identity.items()):
            return
        used = [f for f in self.folders if osp.isdir(f) and os.listdir(f)]
        if existing is None and not used:
            return
        if not overwrite:
            held = (f'files not made by this converter in {used[0]}'
                    if existing is None else describe(existing))
            raise FileExistsError(
                f'{self.out} already holds {held}. Pass --overwrite to '
                'replace its '
                f'{"/".join(sorted({osp.basename(f) for f in self.folders}))}'
                ' folders, or choose another --out.')
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        if osp.isfile(self.path):
            os.remove(self.path)
        for folder in self.derived:
            if osp.isdir(folder):
                warnings.warn(
                    f'{folder} was made for the replaced images; regenerate '
                    'it with tools/misc/generate_sam_masks.py --overwrite')

    def start(self) -> None:
        """Record a conversion in progress."""
        dump_json_atomic(dict(self.identity, complete=False), self.path)

    def finish(self, counts: Dict[str, int]) -> None:
        """Record the finished conversion and its per-split counts."""
        dump_json_atomic(
            dict(self.identity, complete=True, counts=counts), self.path)


def describe(manifest: dict) -> str:
    """A short description of what a manifest says ``out`` holds."""
    what = manifest.get('dataset', 'a dataset')
    source = manifest.get('source') or manifest.get('rain_root')
    parts = [str(what)]
    if manifest.get('intensity') is not None:
        parts.append(f"{manifest['intensity']} mm/h")
    if source:
        parts.append(f'from {source}')
    if manifest.get('mode'):
        parts.append(f"({manifest['mode']})")
    return ' '.join(parts)
