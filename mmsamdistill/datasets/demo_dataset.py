"""A small paired restoration dataset built from scikit-image's photos.

Nothing is downloaded: the photos ship inside scikit-image, the degradations
are synthesised with a fixed seed, so every machine builds identical data.
"""
import json
import os.path as osp
import shutil
from typing import Callable, Dict, Sequence

import cv2
import numpy as np
from skimage import data

from ..utils import dump_json_atomic, write_atomic

# Colour photographs that scikit-image ships in skimage/data.
SKIMAGE_PHOTOS = ('astronaut', 'chelsea', 'coffee', 'hubble_deep_field',
                  'immunohistochemistry', 'motorcycle_left',
                  'motorcycle_right', 'retina', 'rocket')


def add_rain(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Overlay bright, slanted, motion-blurred streaks (rain)."""
    h, w = image.shape[:2]
    drops = np.zeros((h, w), np.float32)
    count = int(h * w * rng.uniform(0.004, 0.008))
    drops[rng.integers(0, h, count), rng.integers(0, w, count)] = 1.0
    length = int(rng.integers(9, 17))
    angle = rng.uniform(-25, 25)
    kernel = np.zeros((length, length), np.float32)
    kernel[:, length // 2] = 1.0 / length
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                       angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    streaks = cv2.filter2D(drops, -1, kernel)
    streaks = np.clip(streaks / max(float(streaks.max()), 1e-6), 0, 1)
    out = image.astype(np.float32) + 255 * rng.uniform(0.5, 0.8) * streaks[
        ..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def add_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur with a random linear motion kernel."""
    length = int(rng.integers(5, 11))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                       rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    kernel /= kernel.sum()
    return cv2.filter2D(image, -1, kernel)


def add_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise with sigma 15 (on the 0-255 scale)."""
    noisy = image.astype(np.float32) + rng.normal(0, 15, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


DEGRADATIONS: Dict[str, Callable] = dict(
    rain=add_rain, blur=add_blur, noise=add_noise)


def load_skimage_photo(name: str) -> np.ndarray:
    """One of ``SKIMAGE_PHOTOS`` as a BGR uint8 array."""
    if name.startswith('motorcycle_'):  # the two views of a stereo pair
        rgb = data.stereo_motorcycle()[0 if name.endswith('left') else 1]
    else:
        rgb = getattr(data, name)()
    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2BGR)


def build_demo_dataset(out_root: str,
                       degradation: str = 'rain',
                       patch_size: int = 128,
                       patches_per_photo: int = 4,
                       test_photos: Sequence[str] = ('chelsea', 'rocket'),
                       seed: int = 0) -> dict:
    """Build (or reuse) ``out_root/{train,test}/{gt,lq}/*.png``.

    Each photo is resized so its short side is ``2 * patch_size`` and cut
    into non-overlapping ``patch_size`` tiles, then degraded. Photos in
    ``test_photos`` go to the test split, the rest to train. A ``meta.json``
    records the settings; a matching one means the data is reused as is.

    Args:
        out_root (str): Output folder.
        degradation (str): ``'rain'``, ``'blur'`` or ``'noise'``.
        patch_size (int): Side of each tile. Defaults to 128.
        patches_per_photo (int): Tiles per photo (at most 4 here).
        test_photos (Sequence[str]): Photos of the test split.
        seed (int): Seed of the degradations.

    Returns:
        dict: The settings and the number of images per split.
    """
    if degradation not in DEGRADATIONS:
        raise ValueError(f'degradation must be one of {sorted(DEGRADATIONS)}'
                         f', got {degradation!r}')
    unknown = set(test_photos) - set(SKIMAGE_PHOTOS)
    if unknown:
        raise ValueError(f'unknown test photos {sorted(unknown)}; choose '
                         f'from {SKIMAGE_PHOTOS}')
    meta = dict(
        degradation=degradation,
        patch_size=patch_size,
        patches_per_photo=patches_per_photo,
        test_photos=list(test_photos),
        seed=seed)
    meta_path = osp.join(out_root, 'meta.json')
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            existing = json.load(f)
        if {k: existing.get(k) for k in meta} == meta:
            return existing
    if osp.isdir(out_root):  # other settings, or an interrupted build
        shutil.rmtree(out_root)
    rng = np.random.default_rng(seed)
    counts = dict(train=0, test=0)
    for name in SKIMAGE_PHOTOS:
        split = 'test' if name in test_photos else 'train'
        photo = load_skimage_photo(name)
        h, w = photo.shape[:2]
        scale = 2 * patch_size / min(h, w)
        photo = cv2.resize(photo, (max(2 * patch_size, round(w * scale)),
                                   max(2 * patch_size, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        for index in range(patches_per_photo):
            top = (index // 2) * patch_size
            left = (index % 2) * patch_size
            gt = photo[top:top + patch_size, left:left + patch_size]
            lq = DEGRADATIONS[degradation](gt, rng)
            stem = f'{name}_{index}.png'
            for sub, image in (('gt', gt), ('lq', lq)):
                path = osp.join(out_root, split, sub, stem)
                write_atomic(path, lambda tmp, im=image: _imwrite(tmp, im))
            counts[split] += 1
    meta['num_images'] = counts
    dump_json_atomic(meta, meta_path)
    return meta


def _imwrite(path: str, image: np.ndarray) -> None:
    if not cv2.imwrite(path, image):
        raise OSError(f'could not write {path}')
