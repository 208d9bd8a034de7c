"""Write the SAM mask cache of a set of images: resumable, atomic, sharded."""
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from ..datasets.data_check import mask_problem
from ..datasets.label_map_io import (SIDECAR_NAME, mirrored_mask_path,
                                     read_sidecar, write_label_map,
                                     write_sidecar)
from ..utils.file_io import (claim_owner, owner_is_dead,
                             release_claim_file, remove_dead_temp_files,
                             try_claim_file)

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def list_images(folder: str) -> List[str]:
    """All images below ``folder``, sorted, so every process agrees."""
    paths = []
    for root, _, files in os.walk(folder):
        paths += [
            osp.join(root, f) for f in files
            if f.lower().endswith(IMAGE_EXTENSIONS)
        ]
    return sorted(paths)


def read_rgb(path: str) -> np.ndarray:
    """An image file as (H, W, 3) RGB uint8."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f'cannot read image {path}')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def remove_stale_temp_files(path: str) -> None:
    """Delete the temp files and claims dead writers of ``path`` left.

    Files of live writers -- another run on the same mask root, on this
    machine or (until :data:`~mmsamdistill.utils.STALE_AGE`) another -- stay.
    """
    remove_dead_temp_files(path)
    claim = claim_path(path)
    owner = claim_owner(claim)
    if owner is not None and owner_is_dead(*owner, claim):
        release_claim_file(claim)


def claim_path(mask_path: str) -> str:
    """The claim file a run holds while it computes ``mask_path``."""
    folder, name = osp.split(mask_path)
    return osp.join(folder, f'.{name}.claim')


def try_claim(mask_path: str) -> bool:
    """Claim ``mask_path`` for this process; False when a live run has it.

    Two runs on one mask root (without torchrun sharding) thus share the
    images instead of both computing every one. A claim of a dead process
    is taken over.
    """
    return try_claim_file(claim_path(mask_path))


def release_claim(mask_path: str) -> None:
    """Drop this process's claim of ``mask_path``."""
    release_claim_file(claim_path(mask_path))


def check_sidecar(mask_root: str, settings: Dict, overwrite: bool) -> bool:
    """Whether existing masks under ``mask_root`` may be kept.

    Returns:
        bool: True when the sidecar matches ``settings``; False when there is
        no cache yet or ``overwrite`` asks to redo a stale one.
    """
    # With overwrite every rank redoes its share: deciding from the sidecar
    # would race with rank 0 rewriting it.
    if overwrite:
        return False
    existing = read_sidecar(mask_root)
    if existing is None:
        return False
    if existing == settings:
        return True
    changed = sorted(k for k in set(existing) | set(settings)
                     if existing.get(k) != settings.get(k))
    raise ValueError(
        f'{osp.join(mask_root, SIDECAR_NAME)} records other settings '
        f'(differing: {", ".join(changed)}); its masks are stale for this '
        'run. Pass --overwrite to regenerate them, or choose another '
        'MASK_ROOT.')


def _missing_or_bad(todo: List[Tuple[str, str]],
                    verify: bool) -> Tuple[List[Tuple[str, str]], Set[str]]:
    """The (image, mask) pairs of ``todo`` whose mask is missing or fails
    :func:`mask_problem`, and the paths of the failing (existing) masks."""
    redo, bad = [], set()
    for image_path, mask_path in todo:
        if not osp.isfile(mask_path):
            redo.append((image_path, mask_path))
        elif mask_problem(mask_path, image_path, decode=verify):
            bad.add(mask_path)
            redo.append((image_path, mask_path))
    return redo, bad


def _claim_batch(pending: List[Tuple[str, str]], batch_size: int,
                 claimed: List[str], keep: bool, repaired: Set[str],
                 bar: Optional[ProgressBar]) -> Tuple[List[Tuple[str, str]],
                                                      int]:
    """Take up to ``batch_size`` (image, mask) pairs off the end of
    ``pending`` and claim them (their masks are added to ``claimed``).

    A pair another live run holds is left to it. When existing masks are
    kept (``keep``), a pair whose mask appeared meanwhile (another run
    finished it) is dropped, unless it is a bad mask being redone
    (``repaired``). Both advance ``bar``.

    Returns:
        tuple: The batch, and how many pairs were left to other runs.
    """
    batch, busy = [], 0
    while pending and len(batch) < batch_size:
        image_path, mask_path = pending.pop()
        if not try_claim(mask_path):
            busy += 1  # another live run computes it now
            if bar is not None:
                bar.update()
            continue
        claimed.append(mask_path)
        if (keep and mask_path not in repaired
                and osp.isfile(mask_path)):  # finished meanwhile
            release_claim(mask_path)
            claimed.remove(mask_path)
            if bar is not None:
                bar.update()
            continue
        batch.append((image_path, mask_path))
    return batch, busy


def generate_mask_cache(generator: Callable,
                        settings: Dict,
                        image_paths: Sequence[str],
                        mask_root: str,
                        image_root: Optional[str] = None,
                        rank: int = 0,
                        world_size: int = 1,
                        batch_size: int = 1,
                        overwrite: bool = False,
                        progress: bool = True,
                        verify: bool = False) -> Dict:
    """Compute the label maps of this process's share of ``image_paths``.

    Rank ``r`` of ``world_size`` takes images ``r, r + world_size, ...``: the
    shares are disjoint and cover every image. Images whose mask exists under
    matching settings, is a readable single-channel PNG and has its image's
    size are skipped, so a stopped run resumes where it was; a mask that
    fails that check is redone (``repaired``). Every file is written to a
    temp name and renamed, so a kill leaves no partial mask; only temp files
    of dead writers are removed. Each image is claimed while it is computed,
    so runs started side by side on one mask root share the work.

    Args:
        generator: A mask generator (``generate_batch(list of RGB images)``).
        settings (dict): What changes the masks; recorded in the sidecar.
        image_paths (Sequence[str]): All images (every rank gets the same).
        mask_root (str): Output root.
        image_root (str, optional): Folder that ``mask_root`` mirrors.
        rank (int): This process's index. Defaults to 0.
        world_size (int): Number of processes. Defaults to 1.
        batch_size (int): Images handed to the generator at once.
        overwrite (bool): Regenerate masks of stale (or any) settings.
        progress (bool): Show a progress bar with images/s and ETA.
        verify (bool): Decode every existing mask instead of checking its
            header, size and end only. Defaults to False.

    Returns:
        dict: ``images`` (this share), ``written`` (including ``repaired``),
        ``skipped`` (already done), ``repaired`` (bad masks redone),
        ``busy`` (left to another live run), ``masks_per_image`` (mean over
        written), ``seconds``.
    """
    keep = check_sidecar(mask_root, settings, overwrite)
    if rank == 0:
        write_sidecar(mask_root, settings)
    share = list(image_paths[rank::world_size])
    todo = [(p, mirrored_mask_path(p, mask_root, image_root)) for p in share]
    for _, mask_path in todo:
        remove_stale_temp_files(mask_path)
    repaired: Set[str] = set()
    if keep:
        todo, repaired = _missing_or_bad(todo, verify)
    start = time.perf_counter()
    bar = None
    if progress and todo:
        bar = ProgressBar(len(todo), file=sys.stdout)
    counts, busy, written_paths = [], 0, []
    pending = list(reversed(todo))
    claimed: List[str] = []
    try:
        while pending:
            batch, left = _claim_batch(pending, batch_size, claimed, keep,
                                       repaired, bar)
            busy += left
            if not batch:
                continue
            label_maps = generator.generate_batch(
                [read_rgb(p) for p, _ in batch])
            for (_, mask_path), label_map in zip(batch, label_maps):
                write_label_map(mask_path, label_map)
                written_paths.append(mask_path)
                release_claim(mask_path)
                claimed.remove(mask_path)
                counts.append(len(np.unique(label_map[label_map > 0])))
                if bar is not None:
                    bar.update()
    finally:
        for mask_path in claimed:
            release_claim(mask_path)
    if bar is not None:
        print()
    written = len(counts)
    return dict(
        images=len(share),
        written=written,
        skipped=len(share) - written - busy,
        repaired=len(repaired.intersection(written_paths)),
        busy=busy,
        masks_per_image=float(np.mean(counts)) if counts else 0.0,
        seconds=time.perf_counter() - start)
