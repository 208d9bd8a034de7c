"""Load the cached SAM label map of a sample."""
import os.path as osp
import warnings
from typing import Optional, Tuple

import numpy as np
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..label_map_io import (DEFAULT_MASK_ROOT, GENERATE_COMMAND,
                            REPAIR_COMMAND, SIDECAR_NAME, dataset_folder,
                            mirrored_mask_path, read_label_map, read_sidecar)

_ON_MISSING = ('error', 'empty')


@TRANSFORMS.register_module()
class LoadSAMMask(BaseTransform):
    """Load ``results[key]``: the (H, W, 1) int32 SAM label map of a sample.

    The mask file mirrors the image: ``<mask_root>/<image path relative to
    image_root, extension replaced by suffix>``. By default both are found
    from the image's own path, so no dataset root is spelled in the config:
    ``image_root`` is the image's dataset folder (its path minus the
    dataset's ``key``, i.e. ``data_root/data_prefix[image_key]``) and the
    masks live next to it, in ``<image folder>_sam_masks`` -- what
    ``python tools/misc/generate_sam_masks.py <image folder>
    <image folder>_sam_masks`` writes. Place it after the image is loaded,
    so that a size mismatch (a stale cache) is caught.

    Args:
        mask_root (str, optional): Root folder of the mask cache. May hold
            ``{image_root}``, the image's dataset folder (e.g.
            ``'{image_root}/../sam_masks'``). Defaults to
            ``'{image_root}_sam_masks'``.
        key (str): Results key to fill. Defaults to ``'sam_mask'``.
        image_key (str): The image the masks were computed on (``'gt'`` or
            ``'img'``); its ``<image_key>_path`` names the mask file.
            Defaults to ``'gt'``.
        image_root (str, optional): Folder the image paths are relative to.
            Defaults to the image's dataset folder (see above); the
            image's folder when the sample has no dataset ``key``.
        suffix (str): Mask file extension. Defaults to ``'.png'``.
        on_missing (str): ``'error'`` (default) or ``'empty'`` (an all-zero
            map: the sample trains without priors).
        expected_meta (dict, optional): Settings the sidecar must record
            (e.g. ``dict(source='sam', model_type='vit_h')``); a mismatch
            means a stale cache and is an error.
    """

    def __init__(self,
                 mask_root: Optional[str] = DEFAULT_MASK_ROOT,
                 key: str = 'sam_mask',
                 image_key: str = 'gt',
                 image_root: Optional[str] = None,
                 suffix: str = '.png',
                 on_missing: str = 'error',
                 expected_meta: Optional[dict] = None) -> None:
        if on_missing not in _ON_MISSING:
            raise ValueError(f'on_missing must be one of {_ON_MISSING}, '
                             f'got {on_missing!r}')
        self.mask_root = DEFAULT_MASK_ROOT if mask_root is None else mask_root
        self.key = key
        self.image_key = image_key
        self.image_root = image_root
        self.suffix = suffix
        self.on_missing = on_missing
        self.expected_meta = expected_meta or {}
        self._checked_sidecar = set()

    def roots(self, image_path: str,
              sample_key: Optional[str] = None) -> Tuple[str, str]:
        """The (mask root, image root) of ``image_path``.

        Args:
            image_path (str): The image (``results[image_key + '_path']``).
            sample_key (str, optional): The dataset's ``key`` of the sample
                (its path relative to the dataset folder, no extension).
        """
        image_root = self.image_root
        if image_root is None:
            image_root = dataset_folder(image_path, sample_key)
        mask_root = self.mask_root.replace('{image_root}', image_root)
        return osp.normpath(mask_root), image_root

    def mask_path(self, image_path: str,
                  sample_key: Optional[str] = None) -> str:
        """Path of the mask file of ``image_path``."""
        mask_root, image_root = self.roots(image_path, sample_key)
        return mirrored_mask_path(image_path, mask_root, image_root,
                                  self.suffix)

    def _check_sidecar(self, mask_root: Optional[str] = None) -> None:
        mask_root = self.mask_root if mask_root is None else mask_root
        if mask_root in self._checked_sidecar or not self.expected_meta:
            return
        meta = read_sidecar(mask_root)
        if meta is None:
            raise FileNotFoundError(
                f'{osp.join(mask_root, SIDECAR_NAME)} is missing, so the '
                'mask cache cannot be checked against expected_meta; create '
                f'the cache with `{GENERATE_COMMAND}`')
        stale = {
            k: (meta.get(k), v)
            for k, v in self.expected_meta.items() if meta.get(k) != v
        }
        if stale:
            details = ', '.join(f'{k}: cache has {have!r}, config wants '
                                f'{want!r}' for k, (have, want) in
                                stale.items())
            raise ValueError(
                f'The mask cache {mask_root} is stale ({details}). '
                f'Regenerate it with `{GENERATE_COMMAND}` using the '
                'settings of the config, or update expected_meta.')
        self._checked_sidecar.add(mask_root)

    def transform(self, results: dict) -> dict:
        """Add ``results[self.key]``, an (H, W, 1) int32 label map."""
        path_key = f'{self.image_key}_path'
        if path_key not in results:
            raise KeyError(f'LoadSAMMask needs {path_key!r}; load '
                           f'{self.image_key!r} before it')
        mask_root, _ = self.roots(results[path_key], results.get('key'))
        self._check_sidecar(mask_root)
        path = self.mask_path(results[path_key], results.get('key'))
        image = results.get(self.image_key)
        image_shape = None if image is None else image.shape[:2]
        label_map = None
        if osp.isfile(path):
            try:
                label_map = read_label_map(path)
            except (OSError, ValueError) as err:  # truncated, not a map
                if self.on_missing != 'empty':
                    raise ValueError(
                        f'SAM mask {path} is corrupt or unreadable. Repair '
                        f'the cache with `{REPAIR_COMMAND}`, which redoes '
                        'bad masks, or delete the file and rerun the '
                        'command that made the cache.') from err
                if not getattr(self, '_warned_corrupt', False):
                    warnings.warn(
                        f'SAM mask {path} is corrupt or unreadable ({err}); '
                        'on_missing="empty": such samples train without '
                        f'priors. Repair with `{REPAIR_COMMAND}`.')
                    self._warned_corrupt = True
        elif self.on_missing != 'empty':
            raise FileNotFoundError(
                f'SAM mask {path} is missing; create the cache with '
                f'`{GENERATE_COMMAND}`, or set on_missing="empty"')
        if label_map is None:
            if image_shape is None:
                raise KeyError('on_missing="empty" needs the image loaded '
                               'before LoadSAMMask')
            label_map = np.zeros(image_shape, dtype=np.int32)
        if image_shape is not None and label_map.shape != image_shape:
            raise ValueError(
                f'SAM mask {path} is {label_map.shape} but its image '
                f'{results[path_key]} is {image_shape}: the cache is stale. '
                f'Rerun `{REPAIR_COMMAND}`: it redoes masks whose size '
                'differs from their image (or pass --overwrite to redo all).')
        results[self.key] = label_map[..., None]
        results[f'{self.key}_path'] = path
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mask_root={self.mask_root!r}, '
                f'key={self.key!r}, image_key={self.image_key!r}, '
                f'on_missing={self.on_missing!r})')
