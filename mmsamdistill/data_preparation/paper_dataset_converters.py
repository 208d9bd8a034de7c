"""Lay the paper's datasets out as MMagic paired folders.

Every dataset the paper evaluates on ships in its own folder tree. Each
converter here reads one released tree and lists its (rainy/blurry/noisy,
clean) pairs; :func:`prepare_paper_dataset` then writes the unified layout
that ``configs/_base_/datasets/<name>.py`` reads::

    <out>/{train,test}/{lq,gt}/<name>    # lq and gt of a pair share <name>

Files are symlinked by default (nothing is duplicated) or copied. The only
files decoded and re-encoded are DID's side-by-side pictures, which are split
into two PNGs. ``<out>/paper_dataset.json`` records what the folder holds, so
a re-run with the same arguments only fills in what is missing, and a
different dataset is never mixed into it.

The released layouts (checked against the authors' code) are documented in
``tools/dataset_converters/README.md``.
"""
import os
import os.path as osp
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import cv2
import numpy as np

from .dataset_manifest import DatasetManifest
from .file_placing import (is_written_file, place_all, place_file,
                           remove_extras, write_image)

SPLITS = ('train', 'test')
ROLES = ('lq', 'gt')
MANIFEST_NAME = 'paper_dataset.json'
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


@dataclass(frozen=True)
class SourceImage:
    """One side of a pair in the released tree.

    Args:
        path (str): Absolute path of the released file.
        half (str, optional): ``'left'`` or ``'right'`` when the file is a
            side-by-side picture and only that half is this image.
    """
    path: str
    half: Optional[str] = None


@dataclass(frozen=True)
class Pair:
    """A degraded image and its clean reference, and where they go.

    Args:
        split (str): ``'train'`` or ``'test'``.
        name (str): Output file name, the same in ``lq/`` and ``gt/``.
        lq (SourceImage): The degraded image.
        gt (SourceImage): The clean image.
    """
    split: str
    name: str
    lq: SourceImage
    gt: SourceImage


@dataclass(frozen=True)
class PaperDataset:
    """A released dataset and how to read its tree.

    Args:
        name (str): Registry key (also the config and ``data/`` name).
        title (str): Human-readable name and reference.
        list_pairs (Callable[[str], List[Pair]]): Reads the released tree
            under the given root; raises a clear error when it does not
            match.
        official_counts (dict, optional): Pairs per split in the full
            release, or None when unknown.
    """
    name: str
    title: str
    list_pairs: Callable[[str], List[Pair]]
    official_counts: Optional[Dict[str, int]] = None


def _layout_error(dataset: str, missing: Sequence[str], layout: str) -> str:
    tried = ' or '.join(missing)
    return (f'{dataset}: expected the folder {tried}, which the released '
            f'layout has ({layout}). Point --src at the root of the '
            'extracted archive; see tools/dataset_converters/README.md.')


def _find_dir(dataset: str, candidates: Sequence[str], layout: str) -> str:
    """The first existing folder of ``candidates``, or a layout error."""
    for folder in candidates:
        if osp.isdir(folder):
            return folder
    raise FileNotFoundError(_layout_error(dataset, candidates, layout))


def _images(folder: str, dataset: str) -> Dict[str, str]:
    """Image files directly in ``folder``: {file stem: absolute path}."""
    found = {
        osp.splitext(entry)[0]: osp.join(folder, entry)
        for entry in sorted(os.listdir(folder)) if
        entry.lower().endswith(IMAGE_EXTENSIONS) and not entry.startswith('.')
    }
    if not found:
        raise FileNotFoundError(f'{dataset}: no images in {folder}')
    return found


def _match(dataset: str,
           split: str,
           lq: Dict[str, str],
           gt: Dict[str, str],
           lq_dir: str,
           gt_dir: str,
           prefix: str = '') -> List[Pair]:
    """Pair images with the same key; every image must find its partner.

    ``lq`` and ``gt`` map a pairing key to a path; the output name is
    ``prefix + key`` with the degraded file's extension.
    """
    for keys, here, there in ((set(lq) - set(gt), lq_dir, gt_dir),
                              (set(gt) - set(lq), gt_dir, lq_dir)):
        if keys:
            shown = ', '.join(sorted(keys)[:3])
            raise ValueError(
                f'{dataset}: {len(keys)} image(s) in {here} have no partner '
                f'in {there} (e.g. {shown}); the source tree is incomplete '
                'or is not the released layout')
    pairs = []
    for key in sorted(lq):
        ext = osp.splitext(lq[key])[1]
        if ext.lower() != osp.splitext(gt[key])[1].lower():
            raise ValueError(
                f'{dataset}: {lq[key]} and {gt[key]} have different formats; '
                'a pair must share its file name, so convert them to one '
                'format first')
        pairs.append(
            Pair(split, prefix + key + ext, SourceImage(lq[key]),
                 SourceImage(gt[key])))
    return pairs


# --- Rain200L / Rain200H (Yang et al., CVPR 2017) ---------------------------

_RAIN200_LAYOUT = ('rain_data_{train,test}_<Light|Heavy>/{norain/norain-<i>'
                   '.png, rain/X2/norain-<i>x2.png}')


def _rain200_key(stem: str) -> str:
    """``norain-1x2`` / ``norain-1`` / ``rain-1`` -> ``norain-1``."""
    stem = re.sub(r'x2$', '', stem)
    return 'no' + stem if stem.startswith('rain-') else stem


def rain200_pairs(src: str, heaviness: str) -> List[Pair]:
    """Pairs of Rain200L (``heaviness='Light'``) or Rain200H (``'Heavy'``).

    The release (``rain_data_<split>_<heaviness>``) keeps the clean images
    in ``norain/norain-<i>.png`` and the rainy ones in
    ``rain/X2/norain-<i>x2.png``. Trees rearranged as
    ``<split>/{norain,rain}/`` (as RCDNet's code reads them) are accepted
    too, with or without ``X2`` and the ``x2`` suffix.

    Args:
        src (str): Folder holding ``rain_data_train_<heaviness>`` and
            ``rain_data_test_<heaviness>`` (or ``train`` and ``test``).
        heaviness (str): ``'Light'`` or ``'Heavy'``.

    Returns:
        List[Pair]: Named ``norain-<i>.png``.
    """
    dataset = f'Rain200{heaviness[0]}'
    layout = _RAIN200_LAYOUT.replace('<Light|Heavy>', heaviness)
    pairs = []
    for split in SPLITS:
        root = _find_dir(dataset, [
            osp.join(src, f'rain_data_{split}_{heaviness}'),
            osp.join(src, split)
        ], layout)
        clean_dir = _find_dir(dataset, [osp.join(root, 'norain')], layout)
        rain_dir = _find_dir(
            dataset, [osp.join(root, 'rain', 'X2'),
                      osp.join(root, 'rain')], layout)
        rainy = {
            _rain200_key(stem): path
            for stem, path in _images(rain_dir, dataset).items()
        }
        pairs += _match(dataset, split, rainy, _images(clean_dir, dataset),
                        rain_dir, clean_dir)
    return pairs


# --- DID (DID-MDN, Zhang & Patel, CVPR 2018) --------------------------------

DID_DENSITIES = ('Heavy', 'Medium', 'Light')
_DID_LAYOUT = ('DID-MDN-training/Rain_{Heavy,Medium,Light}/train2018new/'
               '<i>.jpg and DID-MDN-test/<i>.jpg, each rainy|clean side by '
               'side')


def did_pairs(src: str) -> List[Pair]:
    """Pairs of DID-MDN's data set.

    Each released file holds the rainy image (left half) and the clean one
    (right half) side by side: DID-MDN's loader crops the left half as the
    network input and the right half as the target. The three rain-density
    folders reuse the same file names, so training pairs are named
    ``<density>_<i>.png``; test pairs ``<i>.png``.

    Args:
        src (str): ``DID-MDN-datasets`` (or the folder holding it).

    Returns:
        List[Pair]: Each pair's lq/gt are the halves of one file.
    """
    dataset = 'DID'
    nested = osp.join(src, 'DID-MDN-datasets')
    root = nested if osp.isdir(nested) else src
    folders = [('train', f'{density.lower()}_',
                osp.join(root, 'DID-MDN-training', f'Rain_{density}',
                         'train2018new')) for density in DID_DENSITIES]
    folders.append(('test', '', osp.join(root, 'DID-MDN-test')))
    pairs = []
    for split, prefix, folder in folders:
        _find_dir(dataset, [folder], _DID_LAYOUT)
        for stem, path in _images(folder, dataset).items():
            pairs.append(
                Pair(split, f'{prefix}{stem}.png', SourceImage(path, 'left'),
                     SourceImage(path, 'right')))
    return pairs


# --- DDN / Rain1400 (Fu et al., CVPR 2017) ----------------------------------

_DDN_LAYOUT = ('{training,testing}/{rainy_image/<i>_<k>.jpg, '
               'ground_truth/<i>.jpg}, k = 1..14')


def ddn_pairs(src: str) -> List[Pair]:
    """Pairs of DDN's Rain1400: 14 rainy versions of each clean image.

    Every rainy image ``rainy_image/<i>_<k>.jpg`` is a pair with the shared
    clean ``ground_truth/<i>.jpg``; the output names it ``<i>_<k>.jpg`` in
    both ``lq/`` and ``gt/`` (14 ``gt`` entries per clean image).

    Args:
        src (str): Folder holding ``training`` and ``testing``.

    Returns:
        List[Pair]: Named after the rainy image.
    """
    dataset = 'DDN'
    pairs = []
    for split, released in (('train', 'training'), ('test', 'testing')):
        rain_dir = _find_dir(dataset, [osp.join(src, released, 'rainy_image')],
                             _DDN_LAYOUT)
        clean_dir = _find_dir(dataset,
                              [osp.join(src, released, 'ground_truth')],
                              _DDN_LAYOUT)
        clean = _images(clean_dir, dataset)
        rainy = _images(rain_dir, dataset)
        orphans = sorted(s for s in rainy if s.split('_')[0] not in clean)
        if orphans:
            raise ValueError(
                f'{dataset}: {len(orphans)} rainy image(s) in {rain_dir} '
                f'have no clean image in {clean_dir} (e.g. {orphans[0]}; '
                '<i>_<k> pairs with <i>)')
        pairs += _match(dataset, split, rainy,
                        {s: clean[s.split('_')[0]]
                         for s in rainy}, rain_dir, clean_dir)
    return pairs


# --- GoPro (Nah et al., CVPR 2017) ------------------------------------------

_GOPRO_LAYOUT = '{train,test}/<sequence>/{blur,sharp}/<frame>.png'


def gopro_pairs(src: str) -> List[Pair]:
    """Pairs of GoPro (GOPRO_Large): per-sequence folders, flattened.

    ``<split>/<seq>/blur/<frame>.png`` pairs with
    ``<split>/<seq>/sharp/<frame>.png`` and is named ``<seq>_<frame>.png``
    (``blur_gamma`` is not used, as in MMagic's GoPro configs). A split that
    is already flat (``<split>/{blur,sharp}``) keeps its names.

    Args:
        src (str): ``GOPRO_Large`` (the folder holding ``train`` and
            ``test``).

    Returns:
        List[Pair]: One per blurry frame.
    """
    dataset = 'GoPro'
    pairs = []
    for split in SPLITS:
        split_dir = _find_dir(dataset, [osp.join(src, split)], _GOPRO_LAYOUT)
        if osp.isdir(osp.join(split_dir, 'blur')):
            groups = [('', split_dir)]
        else:
            groups = [(f'{seq}_', osp.join(split_dir, seq))
                      for seq in sorted(os.listdir(split_dir))
                      if osp.isdir(osp.join(split_dir, seq, 'blur'))]
        if not groups:
            raise FileNotFoundError(
                _layout_error(dataset, [osp.join(split_dir, '<seq>', 'blur')],
                              _GOPRO_LAYOUT))
        for prefix, folder in groups:
            blur_dir = osp.join(folder, 'blur')
            sharp_dir = _find_dir(dataset, [osp.join(folder, 'sharp')],
                                  _GOPRO_LAYOUT)
            pairs += _match(dataset, split, _images(blur_dir, dataset),
                            _images(sharp_dir, dataset), blur_dir, sharp_dir,
                            prefix)
    return pairs


# --- SenseNoise-500 (Zhang et al., IDR, CVPR 2022) --------------------------

_SENSENOISE_LAYOUT = '{train,test}/{noisy,clean}/<name>.png, arranged by you'


def sensenoise_pairs(src: str) -> List[Pair]:
    """Pairs of SenseNoise, from a paired layout the user arranges.

    The release's folder layout and train/test split are not documented in
    any source we could check, so this reads a plain paired tree:
    ``<split>/noisy/<name>`` with ``<split>/clean/<name>`` (same stem).

    Args:
        src (str): Folder holding ``train`` and ``test``.

    Returns:
        List[Pair]: Named after the images.
    """
    dataset = 'SenseNoise'
    pairs = []
    for split in SPLITS:
        noisy_dir = _find_dir(dataset, [osp.join(src, split, 'noisy')],
                              _SENSENOISE_LAYOUT)
        clean_dir = _find_dir(dataset, [osp.join(src, split, 'clean')],
                              _SENSENOISE_LAYOUT)
        pairs += _match(dataset, split, _images(noisy_dir, dataset),
                        _images(clean_dir, dataset), noisy_dir, clean_dir)
    return pairs


PAPER_DATASETS: Dict[str, PaperDataset] = {
    spec.name: spec
    for spec in (
        PaperDataset('rain200l', 'Rain200L (Yang et al., CVPR 2017)',
                     lambda src: rain200_pairs(src, 'Light'),
                     dict(train=1800, test=200)),
        PaperDataset('rain200h', 'Rain200H (Yang et al., CVPR 2017)',
                     lambda src: rain200_pairs(src, 'Heavy'),
                     dict(train=1800, test=200)),
        PaperDataset('did', 'DID-MDN (Zhang & Patel, CVPR 2018)', did_pairs,
                     dict(train=12000, test=1200)),
        PaperDataset('ddn', 'DDN Rain1400 (Fu et al., CVPR 2017)', ddn_pairs,
                     dict(train=12600, test=1400)),
        PaperDataset('gopro', 'GoPro (Nah et al., CVPR 2017)', gopro_pairs,
                     dict(train=2103, test=1111)),
        PaperDataset('sensenoise', 'SenseNoise-500 (Zhang et al., CVPR 2022)',
                     sensenoise_pairs, None),
    )
}

# --- Writing the unified layout ----------------------------------------------


def _side_by_side(path: str, cache: Dict[str, np.ndarray]) -> np.ndarray:
    """The decoded side-by-side picture ``path``, kept for its other half."""
    if path not in cache:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if image is None:
            raise OSError(f'cannot read image {path}')
        if image.shape[1] % 2:
            raise ValueError(
                f'{path} is {image.shape[1]} pixels wide; a side-by-side '
                'pair needs an even width')
        cache.clear()  # both halves of a file are placed in a row
        cache[path] = image
    return cache[path]


def _place(source: SourceImage, dst: str, copy: bool,
           cache: Dict[str, np.ndarray]) -> bool:
    """Put ``source`` at ``dst`` unless it is already there.

    Returns:
        bool: Whether ``dst`` was (re)written.
    """
    if source.half is None:
        return place_file(source.path, dst, copy)
    if is_written_file(dst):
        return False  # written atomically, so complete
    image = _side_by_side(source.path, cache)
    width = image.shape[1] // 2
    write_image(dst,
                image[:, :width] if source.half == 'left' else image[:, width:])
    return True


def prepare_paper_dataset(dataset: str,
                          src: str,
                          out: str,
                          copy: bool = False,
                          overwrite: bool = False,
                          progress: bool = False) -> dict:
    """Write ``<out>/{train,test}/{lq,gt}/<name>`` from a released tree.

    Idempotent: a re-run with the same dataset, source and mode skips what is
    in place and finishes an interrupted run. A non-empty ``out`` that holds
    anything else is refused unless ``overwrite``.

    Args:
        dataset (str): A key of :data:`PAPER_DATASETS`.
        src (str): Root of the released (extracted) tree.
        out (str): Output root, e.g. ``data/rain200l``.
        copy (bool): Copy the files instead of symlinking them. DID's halves
            are always written as new PNG files.
        overwrite (bool): Replace the lq/gt folders of a different ``out``.
        progress (bool): Show a progress bar.

    Returns:
        dict: ``dataset``, ``out``, ``counts`` (pairs per split),
        ``official_counts``, and how many files were ``written``,
        ``skipped`` (already in place) and ``removed``.
    """
    if dataset not in PAPER_DATASETS:
        raise ValueError(f'unknown dataset {dataset!r}; choose one of '
                         f'{", ".join(sorted(PAPER_DATASETS))}')
    spec = PAPER_DATASETS[dataset]
    src, out = osp.abspath(src), osp.abspath(out)
    if not osp.isdir(src):
        raise FileNotFoundError(f'{dataset}: --src {src} is not a folder')
    if src == out:
        raise ValueError('--out must differ from --src')
    pairs = spec.list_pairs(src)  # fails on a wrong tree before any write
    names = Counter((p.split, p.name) for p in pairs)
    clashes = [name for name, n in names.items() if n > 1]
    if clashes:
        raise ValueError(f'{dataset}: several pairs map to {clashes[0]}')
    identity = dict(dataset=dataset,
                    source=src,
                    mode='copy' if copy else 'symlink')
    manifest = DatasetManifest(
        out, MANIFEST_NAME, identity,
        [osp.join(split, role) for split in SPLITS for role in ROLES],
        derived=[osp.join('train', 'sam_masks')])
    manifest.claim(overwrite)
    manifest.start()
    cache: Dict[str, np.ndarray] = {}

    def place(pair: Pair) -> Iterator[bool]:
        for role, source in (('lq', pair.lq), ('gt', pair.gt)):
            dst = osp.join(out, pair.split, role, pair.name)
            yield _place(source, dst, copy, cache)

    written, skipped = place_all(pairs, place, progress)
    removed = remove_extras({
        osp.join(out, split, role):
        {p.name for p in pairs if p.split == split}
        for split in SPLITS for role in ROLES
    })
    counts = {split: sum(p.split == split for p in pairs) for split in SPLITS}
    manifest.finish(counts)
    return dict(dataset=dataset,
                out=out,
                counts=counts,
                official_counts=spec.official_counts,
                written=written,
                skipped=skipped,
                removed=removed)
