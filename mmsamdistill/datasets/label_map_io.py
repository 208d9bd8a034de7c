"""The SAM label-map format, in one place: files, sidecar and mask channels.

A label map paints the masks largest first, so small objects stay on top;
0 means "no mask here". On disk: one uint16 PNG per image, mirroring the
image folder, plus a sidecar (``SIDECAR_NAME`` in the mask root) that
records the mask source, model and settings, so a stale cache is detected.
The datasets and the mask generators (priors) use this module; the model turns
loaded label maps into mask channels with
:func:`mmsamdistill.models.utils.label_map_to_masks`.
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
# Rerun with the cache's settings: redoes missing masks and existing ones
# that are unreadable or of the wrong size (--verify decodes every mask).
REPAIR_COMMAND = ('python tools/misc/generate_sam_masks.py IMAGE_FOLDER '
                  'MASK_ROOT --verify ... (the options that made the cache)')


# Where LoadSAMMask looks by default: next to the image's dataset folder.
DEFAULT_MASK_ROOT = '{image_root}_sam_masks'


def dataset_folder(image_path: str, sample_key: Optional[str] = None) -> str:
    """The folder an image's dataset path is relative to.

    MMagic's ``BasicImageDataset`` names each sample by ``key``, its path
    relative to ``data_root/data_prefix[...]`` without extension; removing
    it from the image's path gives that folder. Without a matching key, the
    image's own folder.

    Args:
        image_path (str): The image file.
        sample_key (str, optional): The dataset's ``key`` of the sample.

    Returns:
        str: The folder (normalised, no trailing separator).
    """
    stem = osp.normpath(osp.splitext(image_path)[0])
    if sample_key:
        relative = osp.normpath(str(sample_key))
        if stem == relative:
            return '.'
        if stem.endswith(osp.sep + relative):
            return stem[:-len(relative) - 1] or osp.sep
    return osp.dirname(osp.normpath(image_path)) or '.'


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

    encoded, png = cv2.imencode('.png', label_map.astype(np.uint16))
    if not encoded:
        raise ValueError(f'could not encode the label map of {path}')

    def write(tmp: str) -> None:
        # Python's own write: a full disk raises ENOSPC (cv2.imwrite only
        # returns False), so write_atomic can say so and keep the old file.
        with open(tmp, 'wb') as f:
            f.write(png.tobytes())

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
    """The sidecar of ``mask_root``, or None when there is none.

    Raises:
        ValueError: The sidecar is corrupt; the message names it and the fix.
    """
    path = osp.join(mask_root, SIDECAR_NAME)
    try:
        return load_json_if_exists(path)
    except ValueError as err:
        raise ValueError(
            f'{err}: the settings of the masks under {mask_root} are '
            'unknown. Regenerate the cache: rerun '
            'tools/misc/generate_sam_masks.py with your settings and '
            '--overwrite (or delete the file and rerun).') from err
