"""Write the SAM mask cache of a set of images: resumable, atomic, sharded."""
import glob
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from .label_map_io import (SIDECAR_NAME, mirrored_mask_path, read_sidecar,
                           write_label_map, write_sidecar)

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
    """Delete temp files a killed writer of ``path`` left behind."""
    folder, name = osp.split(path)
    for leftover in glob.glob(osp.join(glob.escape(folder),
                                       f'.{glob.escape(name)}.*.tmp*')):
        os.remove(leftover)


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


def generate_mask_cache(generator: Callable,
                        settings: Dict,
                        image_paths: Sequence[str],
                        mask_root: str,
                        image_root: Optional[str] = None,
                        rank: int = 0,
                        world_size: int = 1,
                        batch_size: int = 1,
                        overwrite: bool = False,
                        progress: bool = True) -> Dict:
    """Compute the label maps of this process's share of ``image_paths``.

    Rank ``r`` of ``world_size`` takes images ``r, r + world_size, ...``: the
    shares are disjoint and cover every image. Images whose mask exists under
    matching settings are skipped, so a stopped run resumes where it was;
    every file is written to a temp name and renamed, so a kill leaves no
    partial mask.

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

    Returns:
        dict: ``images`` (this share), ``written``, ``skipped``,
        ``masks_per_image`` (mean over written), ``seconds``.
    """
    keep = check_sidecar(mask_root, settings, overwrite)
    if rank == 0:
        write_sidecar(mask_root, settings)
    share = list(image_paths[rank::world_size])
    todo = [(p, mirrored_mask_path(p, mask_root, image_root)) for p in share]
    for _, mask_path in todo:
        remove_stale_temp_files(mask_path)
    if keep:
        todo = [(p, m) for p, m in todo if not osp.isfile(m)]
    start = time.perf_counter()
    bar = None
    if progress and todo:
        bar = ProgressBar(len(todo), file=sys.stdout)
    counts = []
    for first in range(0, len(todo), batch_size):
        batch = todo[first:first + batch_size]
        label_maps = generator.generate_batch([read_rgb(p) for p, _ in batch])
        for (_, mask_path), label_map in zip(batch, label_maps):
            write_label_map(mask_path, label_map)
            counts.append(len(np.unique(label_map[label_map > 0])))
            if bar is not None:
                bar.update()
    if bar is not None:
        print()
    return dict(
        images=len(share),
        written=len(todo),
        skipped=len(share) - len(todo),
        masks_per_image=float(np.mean(counts)) if counts else 0.0,
        seconds=time.perf_counter() - start)
