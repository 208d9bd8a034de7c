"""SAM masks on disk: uint16 label maps, one PNG per image, plus a sidecar.

A label map paints the masks largest first, so small objects stay on top;
0 means "no mask here". The sidecar (``SIDECAR_NAME`` in the mask root)
records the mask source, model and settings, so a stale cache is detected.
"""
import os.path as osp
from typing import Iterable, Optional

import cv2
import numpy as np

from ..utils import (dump_json_atomic, load_json_if_exists,
                     write_atomic)

SIDECAR_NAME = 'sam_masks.json'
MAX_LABELS = np.iinfo(np.uint16).max
GENERATE_COMMAND = ('python tools/misc/generate_sam_masks.py IMAGE_FOLDER '
                    'MASK_ROOT --generator sam --options checkpoint=...')


def mirrored_mask_path(image_path: str,
                       mask_root: str,
                       image_root: Optional[str] = None,
                       suffix: str = '.png') -> str:
    """Where the label map of ``image_path`` lives in the cache.

    Args:
        image_path (str): The image.
        mask_root (str): Root of the mask cache.
        image_root (str, optional): Folder that ``mask_root`` mirrors; the
            basename alone is used when None.
        suffix (str): Extension of the mask files. Defaults to ``'.png'``.

    Returns:
        str: ``mask_root/<image path relative to image_root><suffix>``.
    """
    if image_root is None:
        relative = osp.basename(image_path)
    else:
        relative = osp.relpath(image_path, image_root)
        if relative.startswith('..'):
            raise ValueError(f'{image_path} is not under {image_root}')
    return osp.join(mask_root, osp.splitext(relative)[0] + suffix)


def masks_to_label_map(masks: Iterable[np.ndarray],
                       shape: Optional[tuple] = None) -> np.ndarray:
    """Paint binary masks into one uint16 label map, largest first.

    Args:
        masks (Iterable[np.ndarray]): (H, W) boolean masks.
        shape (tuple, optional): (H, W) of the map, needed when ``masks`` is
            empty.

    Returns:
        np.ndarray: (H, W) uint16 map; label k is the k-th largest mask
        (as far as smaller masks painted on top leave it visible).
    """
    masks = [np.asarray(m, dtype=bool) for m in masks]
    if shape is None:
        if not masks:
            raise ValueError('shape is required when there are no masks')
        shape = masks[0].shape
    if len(masks) > MAX_LABELS:
        raise ValueError(f'at most {MAX_LABELS} masks fit a uint16 label map')
    label_map = np.zeros(shape, dtype=np.uint16)
    order = sorted(range(len(masks)), key=lambda i: -int(masks[i].sum()))
    for label, index in enumerate(order, start=1):
        label_map[masks[index]] = label
    return label_map


def write_label_map(path: str, label_map: np.ndarray) -> None:
    """Write a label map as a 16-bit PNG, atomically.

    Args:
        path (str): Output ``.png`` path; folders are created.
        label_map (np.ndarray): (H, W) integer map with values < 65536.
    """
    if label_map.ndim != 2:
        raise ValueError(f'a label map is (H, W), got {label_map.shape}')

    def write(tmp: str) -> None:
        if not cv2.imwrite(tmp, label_map.astype(np.uint16)):
            raise OSError(f'could not write {path}')

    write_atomic(path, write)


def read_label_map(path: str) -> np.ndarray:
    """Read a label map written by :func:`write_label_map`.

    Args:
        path (str): The PNG path.

    Returns:
        np.ndarray: (H, W) int32 labels.
    """
    label_map = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label_map is None:
        raise FileNotFoundError(
            f'SAM mask {path} is missing or unreadable; create the cache '
            f'with `{GENERATE_COMMAND}`, or set on_missing="empty"')
    if label_map.ndim != 2:
        raise ValueError(f'{path} is not a single-channel label map '
                         f'(shape {label_map.shape}); regenerate it with '
                         f'`{GENERATE_COMMAND}`')
    return label_map.astype(np.int32)


def write_sidecar(mask_root: str, meta: dict) -> None:
    """Record how the masks under ``mask_root`` were made."""
    dump_json_atomic(meta, osp.join(mask_root, SIDECAR_NAME))


def read_sidecar(mask_root: str) -> Optional[dict]:
    """The sidecar of ``mask_root``, or None when there is none."""
    return load_json_if_exists(osp.join(mask_root, SIDECAR_NAME))
