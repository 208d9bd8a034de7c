"""Restoration data built from the photos scikit-image ships (no download).

Two builders:

* :func:`build_demo_data` (the demo, the paired-seed and ablation tools):
  clean tiles of training photos (degraded on the fly by the
  ``SynthesizeDegradation`` transform, so no degraded image repeats), and a
  test split of tiles from *other* photos with a fixed, seeded degraded copy
  per degradation, written once and reused.
* :func:`build_demo_dataset`: a small fixed paired set (28 train / 8 test
  pairs, degraded once) that the test suite's fixtures use.
"""
import json
import os.path as osp
import shutil
import zlib
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
from skimage import data

from ..utils import dump_json_atomic, load_json_if_exists, write_atomic
from .transforms.synthesize_degradation import (DEGRADATION_FUNCTIONS,
                                                DEGRADATION_RANGES,
                                                synthesize_degradation)

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
    """A photo of ``skimage.data`` as a BGR uint8 (H, W, 3) array.

    ``motorcycle_left``/``motorcycle_right`` are the two views of
    ``stereo_motorcycle``; grayscale photos are replicated to three channels
    and an alpha channel is dropped.
    """
    if name.startswith('motorcycle_'):  # the two views of a stereo pair
        rgb = data.stereo_motorcycle()[0 if name.endswith('left') else 1]
    else:
        rgb = getattr(data, name)()
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f'skimage.data.{name} is {rgb.dtype}, not a uint8 '
                         'photo')
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
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


# The split of build_demo_data is by photo: no test tile comes from a photo
# that any training tile comes from. The two motorcycle views show one scene,
# so both are on the same (train) side. Grayscale photos (camera, brick, ...)
# train as three equal channels.
DEMO_TRAIN_PHOTOS = ('astronaut', 'immunohistochemistry', 'motorcycle_left',
                     'motorcycle_right', 'hubble_deep_field', 'retina',
                     'camera', 'brick', 'grass', 'gravel', 'coins')
DEMO_TEST_PHOTOS = ('chelsea', 'coffee', 'rocket')
DEMO_DATA_VERSION = 1


def tile_photo_name(tile_name: str) -> str:
    """The photo a tile of :func:`build_demo_data` was cut from.

    Tiles are named ``<photo>_<row>_<col>.png``.
    """
    return osp.splitext(osp.basename(tile_name))[0].rsplit('_', 2)[0]


def _tiles(photo: np.ndarray, tile: int, max_side: int,
           min_std: float) -> List[tuple]:
    """(row, col, tile) of a photo: downscaled, centred grid, flat ones out."""
    h, w = photo.shape[:2]
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        photo = cv2.resize(photo, (round(w * scale), round(h * scale)),
                           interpolation=cv2.INTER_AREA)
        h, w = photo.shape[:2]
    rows, cols = h // tile, w // tile
    top, left = (h - rows * tile) // 2, (w - cols * tile) // 2
    out = []
    for row in range(rows):
        for col in range(cols):
            y, x = top + row * tile, left + col * tile
            crop = photo[y:y + tile, x:x + tile]
            if cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).std() >= min_std:
                out.append((row, col, np.ascontiguousarray(crop)))
    return out


def build_demo_data(root: str,
                    degradations: Sequence[str] = ('rain', ),
                    tile_size: int = 128,
                    train_photos: Sequence[str] = DEMO_TRAIN_PHOTOS,
                    test_photos: Sequence[str] = DEMO_TEST_PHOTOS,
                    max_side: int = 640,
                    min_std: float = 8.0,
                    test_seed: int = 0) -> dict:
    """Build (or reuse) the demo's clean tiles and fixed degraded test sets.

    Layout::

        root/meta.json                 settings, tile names per split
        root/train/gt/<photo>_<r>_<c>.png   clean training tiles
        root/test/gt/...               clean test tiles (other photos)
        root/test/lq_<kind>/...        the fixed degraded test inputs
        root/test/lq_<kind>.json       how they were made (marks them done)

    Photos longer than ``max_side`` are downscaled first; each is cut into a
    centred grid of ``tile_size`` tiles; training leaves out near-flat
    ones (gray std < ``min_std``: black sky, retina borders). Training
    inputs are not written: ``SynthesizeDegradation`` makes a fresh one per
    sample (so no mask cache of them can exist: the training masks are
    those of the clean tiles). The test
    input of tile i is degraded with ``np.random.default_rng([test_seed,
    crc32(kind), i])`` and the default parameter ranges of
    ``DEGRADATION_RANGES``, so every machine writes the same files. Masks
    of these images are made by ``tools/misc/generate_sam_masks.py``.

    Args:
        root (str): Output folder.
        degradations (Sequence[str]): Test degradations to write (others
            already written are kept).
        tile_size (int): Tile side. Defaults to 128.
        train_photos (Sequence[str]): ``skimage.data`` photos of the train
            split.
        test_photos (Sequence[str]): Photos of the test split; none may be
            a train photo.
        max_side (int): Long side photos are downscaled to. Defaults to 640.
        min_std (float): Training tiles flatter than this are left out.
        test_seed (int): Seed of the test degradations. Defaults to 0.

    Returns:
        dict: The settings, the tile names per split and, under
        ``'test_lq'``, the written degradations.
    """
    unknown = set(degradations) - set(DEGRADATION_FUNCTIONS)
    if unknown:
        raise ValueError(f'unknown degradations {sorted(unknown)}; choose '
                         f'from {sorted(DEGRADATION_FUNCTIONS)}')
    shared = sorted(set(train_photos) & set(test_photos))
    if shared:
        raise ValueError(f'photos {shared} are in both splits')
    settings = dict(
        version=DEMO_DATA_VERSION, tile_size=tile_size,
        train_photos=list(train_photos), test_photos=list(test_photos),
        max_side=max_side, min_std=min_std)
    meta_path = osp.join(root, 'meta.json')
    meta = load_json_if_exists(meta_path)
    if meta is None or {k: meta.get(k) for k in settings} != settings:
        if osp.isdir(root):  # other settings, or an interrupted build
            shutil.rmtree(root)
        tiles: Dict[str, List[str]] = dict(train=[], test=[])
        for split, photos in (('train', train_photos), ('test', test_photos)):
            for name in photos:
                # Only training leaves flat tiles out: a test photo is
                # scored whole.
                for row, col, image in _tiles(
                        load_skimage_photo(name), tile_size, max_side,
                        min_std if split == 'train' else 0.):
                    stem = f'{name}_{row}_{col}.png'
                    write_atomic(osp.join(root, split, 'gt', stem),
                                 lambda tmp, im=image: _imwrite(tmp, im))
                    tiles[split].append(stem)
        meta = dict(settings, tiles={k: sorted(v) for k, v in tiles.items()})
        meta['num_images'] = {k: len(v) for k, v in tiles.items()}
        dump_json_atomic(meta, meta_path)
    meta['test_lq'] = {}
    for kind in DEGRADATION_FUNCTIONS:
        done = write_test_degradation(root, meta['tiles']['test'], kind,
                                      test_seed, write=kind in degradations)
        if done:
            meta['test_lq'][kind] = done
    return meta


def write_test_degradation(root: str, names: Sequence[str], kind: str,
                           seed: int = 0,
                           write: bool = True) -> Optional[dict]:
    """Write (or reuse) ``root/test/lq_<kind>`` for the test tiles ``names``.

    Args:
        root (str): The data root of :func:`build_demo_data`.
        names (Sequence[str]): Test tile file names (sorted).
        kind (str): The degradation.
        seed (int): Seed of the degradations.
        write (bool): If False, only report an existing set.

    Returns:
        dict | None: The sidecar (seed, ranges, per-image parameters), or
        None when the set does not exist and ``write`` is False.
    """
    sidecar_path = osp.join(root, 'test', f'lq_{kind}.json')
    settings = dict(kind=kind, seed=seed, ranges=DEGRADATION_RANGES[kind],
                    names=list(names))
    sidecar = load_json_if_exists(sidecar_path)
    # JSON turns tuples into lists: compare through a JSON round trip.
    if sidecar is not None and {k: sidecar.get(k) for k in settings} == \
            json.loads(json.dumps(settings)):
        return sidecar
    if not write:
        return None
    folder = osp.join(root, 'test', f'lq_{kind}')
    if osp.isdir(folder):
        shutil.rmtree(folder)
    params = {}
    for index, name in enumerate(names):
        gt = cv2.imread(osp.join(root, 'test', 'gt', name))
        if gt is None:
            raise FileNotFoundError(f'cannot read {root}/test/gt/{name}')
        rng = np.random.default_rng([seed, zlib.crc32(kind.encode()), index])
        lq, params[name] = synthesize_degradation(gt, kind, rng)
        write_atomic(osp.join(folder, name),
                     lambda tmp, im=lq: _imwrite(tmp, im))
    sidecar = dict(settings, params=params)
    dump_json_atomic(sidecar, sidecar_path)
    return sidecar
