"""Put a converter's output files in place, resumably.

The dataset converters link (or copy) released files into their output
layout, or write images they decoded and changed. Each step skips a file that
is already in place, so a re-run finishes an interrupted one, and writes
through a temp file, so a kill never leaves a partial file.
"""
import filecmp
import os
import os.path as osp
import shutil
from typing import (Callable, Collection, Iterable, Mapping, Sequence, Tuple,
                    TypeVar)

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from ..utils import write_atomic

T = TypeVar('T')


def is_written_file(path: str) -> bool:
    """Whether ``path`` is a regular file (not a link), as
    :func:`write_image` and a copy leave it."""
    return osp.isfile(path) and not osp.islink(path)


def place_file(src: str, dst: str, copy: bool) -> bool:
    """Symlink (or copy) ``src`` to ``dst`` unless it is already there.

    Args:
        src (str): Source file (absolute, as the link stores it).
        dst (str): Output file.
        copy (bool): Copy instead of symlinking.

    Returns:
        bool: Whether ``dst`` was (re)written.
    """
    if copy:
        if is_written_file(dst) and filecmp.cmp(src, dst, shallow=True):
            return False

        def write(tmp: str) -> None:
            shutil.copy2(src, tmp)
    else:
        if osp.islink(dst) and os.readlink(dst) == src:
            return False

        def write(tmp: str) -> None:
            os.remove(tmp)  # write_atomic made a placeholder file
            os.symlink(src, tmp)

    write_atomic(dst, write)
    return True


def write_image(dst: str, image: np.ndarray) -> None:
    """Encode ``image`` into ``dst`` (format from its extension), atomically.
    """

    def write(tmp: str) -> None:
        if not cv2.imwrite(tmp, image):
            raise OSError(f'could not write {dst}')

    write_atomic(dst, write)


def remove_extras(wanted: Mapping[str, Collection[str]]) -> int:
    """Delete the files of output folders that the conversion does not list.

    They are left by a conversion of an older source tree, or are temp files
    of a killed run. Subfolders are kept.

    Args:
        wanted (Mapping[str, Collection[str]]): Output folder -> the file
            names it should hold; a missing folder is skipped.

    Returns:
        int: How many files were removed.
    """
    removed = 0
    for folder, names in wanted.items():
        if not osp.isdir(folder):
            continue
        for entry in os.listdir(folder):
            path = osp.join(folder, entry)
            if entry in names or (osp.isdir(path) and not osp.islink(path)):
                continue
            os.remove(path)
            removed += 1
    return removed


def place_all(samples: Sequence[T], place: Callable[[T], Iterable[bool]],
              progress: bool = False) -> Tuple[int, int]:
    """Place the files of every sample, with an optional progress bar.

    Args:
        samples (Sequence): What a converter writes, one item per sample.
        place (Callable): Places one sample's files; yields, per file,
            whether it was (re)written.
        progress (bool): Show a progress bar (one step per sample).

    Returns:
        tuple[int, int]: How many files were written and skipped (already in
        place).
    """
    bar = ProgressBar(len(samples)) if progress else None
    written = skipped = 0
    for sample in samples:
        for was_written in place(sample):
            if was_written:
                written += 1
            else:
                skipped += 1
        if bar is not None:
            bar.update()
    return written, skipped
