"""Restoration data built from the photos scikit-image ships (no download).

:func:`build_demo_data` (the demo, the paired-seed and ablation tools) writes
clean tiles of training photos (degraded on the fly by the
``SynthesizeDegradation`` transform, so no degraded image repeats), and a
test split of tiles from *other* photos with a fixed, seeded degraded copy
per degradation, written once and reused.
"""
import json
import os.path as osp
import shutil
import zlib
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from skimage import data

from ..datasets.transforms.synthesize_degradation import (
    DEGRADATION_FUNCTIONS, DEGRADATION_RANGES, synthesize_degradation)
from ..utils import dump_json_atomic, load_json_if_exists
from .file_placing import write_image

# Colour photographs that scikit-image ships in skimage/data.
SKIMAGE_PHOTOS = ('astronaut', 'chelsea', 'coffee', 'hubble_deep_field',
                  'immunohistochemistry', 'motorcycle_left',
                  'motorcycle_right', 'retina', 'rocket')


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


# The split of build_demo_data is by photo: no test tile comes from a photo
# that any training tile comes from. The two motorcycle views show one scene,
# so both are on the same (train) side. Grayscale photos (camera, brick, ...)
# train as three equal channels.
DEMO_TRAIN_PHOTOS = ('astronaut', 'immunohistochemistry', 'motorcycle_left',
                     'motorcycle_right', 'hubble_deep_field', 'retina',
                     'camera', 'brick', 'grass', 'gravel', 'coins')
DEMO_TEST_PHOTOS = ('chelsea', 'coffee', 'rocket')
DEMO_DATA_VERSION = 1


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


def _write_clean_tiles(root: str, settings: dict) -> dict:
    """Write the clean tiles of :func:`build_demo_data` afresh.

    Returns:
        dict: The meta (``settings``, tile names and counts per split), also
        written to ``root/meta.json`` once every tile is written.
    """
    if osp.isdir(root):  # other settings, or an interrupted build
        shutil.rmtree(root)
    tiles: Dict[str, List[str]] = dict(train=[], test=[])
    for split in tiles:
        # Only training leaves flat tiles out: a test photo is scored whole.
        min_std = settings['min_std'] if split == 'train' else 0.
        for name in settings[f'{split}_photos']:
            for row, col, image in _tiles(
                    load_skimage_photo(name), settings['tile_size'],
                    settings['max_side'], min_std):
                stem = f'{name}_{row}_{col}.png'
                write_image(osp.join(root, split, 'gt', stem), image)
                tiles[split].append(stem)
    meta = dict(settings, tiles={k: sorted(v) for k, v in tiles.items()})
    meta['num_images'] = {k: len(v) for k, v in tiles.items()}
    dump_json_atomic(meta, osp.join(root, 'meta.json'))
    return meta


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
    meta = load_json_if_exists(osp.join(root, 'meta.json'))
    if meta is None or {k: meta.get(k) for k in settings} != settings:
        meta = _write_clean_tiles(root, settings)
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
        write_image(osp.join(folder, name), lq)
    sidecar = dict(settings, params=params)
    dump_json_atomic(sidecar, sidecar_path)
    return sidecar
