"""Load the cached SAM label map of a sample."""
import os.path as osp
from typing import Optional

import numpy as np
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..label_map_io import (GENERATE_COMMAND, SIDECAR_NAME,
                            mirrored_mask_path, read_label_map, read_sidecar)

_ON_MISSING = ('error', 'empty')


@TRANSFORMS.register_module()
class LoadSAMMask(BaseTransform):
    """Load ``results[key]``: the (H, W, 1) int32 SAM label map of a sample.

    The mask file mirrors the image: ``<mask_root>/<image path relative to
    image_root, extension replaced by suffix>`` (the basename alone when
    ``image_root`` is None). Place it after the image is loaded, so that a
    size mismatch (a stale cache) is caught.

    Args:
        mask_root (str): Root folder of the mask cache.
        key (str): Results key to fill. Defaults to ``'sam_mask'``.
        image_key (str): The image the masks were computed on (``'gt'`` or
            ``'img'``); its ``<image_key>_path`` names the mask file.
            Defaults to ``'gt'``.
        image_root (str, optional): Folder the image paths are relative to.
        suffix (str): Mask file extension. Defaults to ``'.png'``.
        on_missing (str): ``'error'`` (default) or ``'empty'`` (an all-zero
            map: the sample trains without priors).
        expected_meta (dict, optional): Settings the sidecar must record
            (e.g. ``dict(source='sam', model_type='vit_h')``); a mismatch
            means a stale cache and is an error.
    """

    def __init__(self,
                 mask_root: str,
                 key: str = 'sam_mask',
                 image_key: str = 'gt',
                 image_root: Optional[str] = None,
                 suffix: str = '.png',
                 on_missing: str = 'error',
                 expected_meta: Optional[dict] = None) -> None:
        if on_missing not in _ON_MISSING:
            raise ValueError(f'on_missing must be one of {_ON_MISSING}, '
                             f'got {on_missing!r}')
        self.mask_root = mask_root
        self.key = key
        self.image_key = image_key
        self.image_root = image_root
        self.suffix = suffix
        self.on_missing = on_missing
        self.expected_meta = expected_meta or {}
        self._checked_sidecar = False

    def mask_path(self, image_path: str) -> str:
        """Path of the mask file of ``image_path``."""
        return mirrored_mask_path(image_path, self.mask_root,
                                  self.image_root, self.suffix)

    def _check_sidecar(self) -> None:
        if self._checked_sidecar or not self.expected_meta:
            return
        meta = read_sidecar(self.mask_root)
        if meta is None:
            raise FileNotFoundError(
                f'{osp.join(self.mask_root, SIDECAR_NAME)} is missing, so the '
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
                f'The mask cache {self.mask_root} is stale ({details}). '
                f'Regenerate it with `{GENERATE_COMMAND}` using the '
                'settings of the config, or update expected_meta.')
        self._checked_sidecar = True

    def transform(self, results: dict) -> dict:
        """Add ``results[self.key]``, an (H, W, 1) int32 label map."""
        self._check_sidecar()
        path_key = f'{self.image_key}_path'
        if path_key not in results:
            raise KeyError(f'LoadSAMMask needs {path_key!r}; load '
                           f'{self.image_key!r} before it')
        path = self.mask_path(results[path_key])
        image = results.get(self.image_key)
        image_shape = None if image is None else image.shape[:2]
        if not osp.isfile(path) and self.on_missing == 'empty':
            if image_shape is None:
                raise KeyError('on_missing="empty" needs the image loaded '
                               'before LoadSAMMask')
            label_map = np.zeros(image_shape, dtype=np.int32)
        else:
            label_map = read_label_map(path)
        if image_shape is not None and label_map.shape != image_shape:
            raise ValueError(
                f'SAM mask {path} is {label_map.shape} but its image '
                f'{results[path_key]} is {image_shape}: the cache is stale. '
                f'Regenerate it with `{GENERATE_COMMAND}`.')
        results[self.key] = label_map[..., None]
        results[f'{self.key}_path'] = path
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mask_root={self.mask_root!r}, '
                f'key={self.key!r}, image_key={self.image_key!r}, '
                f'on_missing={self.on_missing!r})')
