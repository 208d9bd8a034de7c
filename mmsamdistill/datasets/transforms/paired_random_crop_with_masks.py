"""A paired random crop that crops extra keys (the SAM masks) with img/gt."""
from typing import List, Sequence, Tuple

import numpy as np
from mmagic.datasets.transforms import PairedRandomCrop
from mmagic.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PairedRandomCropWithMasks(PairedRandomCrop):
    """Crop img/gt like ``PairedRandomCrop`` and ``extra_keys`` with them.

    The crop window is drawn once, here, and every key is cut from that one
    window, so the masks stay aligned whatever MMagic's own crop does. The
    draw is the one of MMagic 1.2.0's ``PairedRandomCrop`` (the lq corner's
    row, then its column, from ``np.random``), so a seeded run crops what the
    stock pipeline crops. Each extra array is cropped at the gt's window when
    it has the gt's size and at the lq window when it has the lq size (masks
    computed on the degraded input of a super-resolution task).

    Args:
        gt_patch_size (int): Cropped gt patch size.
        extra_keys (Sequence[str]): Keys cropped with img/gt.
            Defaults to ``('sam_mask',)``.
        lq_key (str): Key of the lq image. Defaults to ``'img'``.
        gt_key (str): Key of the gt image. Defaults to ``'gt'``.
    """

    def __init__(self,
                 gt_patch_size: int,
                 extra_keys: Sequence[str] = ('sam_mask', ),
                 lq_key: str = 'img',
                 gt_key: str = 'gt') -> None:
        super().__init__(gt_patch_size, lq_key=lq_key, gt_key=gt_key)
        self.extra_keys: List[str] = list(extra_keys)

    def draw_window(self, lq_shape: Tuple[int, int], scale: int,
                    results: dict) -> Tuple[int, int, int]:
        """The lq window (top, left, size) after MMagic's size checks."""
        lq_patch = self.gt_patch_size // scale
        h_lq, w_lq = lq_shape
        if h_lq < lq_patch or w_lq < lq_patch:
            raise ValueError(
                f'LQ ({h_lq}, {w_lq}) is smaller than patch size '
                f'({lq_patch}, {lq_patch}). Please check '
                f'{results.get(f"{self.lq_key}_path")} and '
                f'{results.get(f"{self.gt_key}_path")}.')
        top = np.random.randint(h_lq - lq_patch + 1)
        left = np.random.randint(w_lq - lq_patch + 1)
        return top, left, lq_patch

    def transform(self, results: dict) -> dict:
        """Crop img, gt and the extra keys at one random location."""
        scale = results['scale']
        lq_shape = np.shape(_first(results[self.lq_key]))[:2]
        gt_shape = np.shape(_first(results[self.gt_key]))[:2]
        if gt_shape != (lq_shape[0] * scale, lq_shape[1] * scale):
            raise ValueError(
                f'Scale mismatches. GT {gt_shape} is not {scale}x '
                f'multiplication of LQ {lq_shape}.')
        top, left, lq_patch = self.draw_window(lq_shape, scale, results)
        gt_window = (top * scale, left * scale, self.gt_patch_size)
        results[self.lq_key] = _crop(results[self.lq_key], top, left,
                                     lq_patch)
        results[self.gt_key] = _crop(results[self.gt_key], *gt_window)
        for key in self.extra_keys:
            value = results[key]
            shape = np.shape(_first(value))[:2]
            if shape == gt_shape:
                window = gt_window
            elif shape == lq_shape:
                window = (top, left, lq_patch)
            else:
                raise ValueError(
                    f'{key} is {shape}, neither the gt size {gt_shape} nor '
                    f'the lq size {lq_shape}; it cannot be cropped with them')
            results[key] = _crop(value, *window)
        return results

    def __repr__(self) -> str:
        return (f'{super().__repr__()[:-1]}, extra_keys={self.extra_keys})')


def _first(value):
    return value[0] if isinstance(value, list) else value


def _crop(value, top: int, left: int, size: int):
    if isinstance(value, list):
        return [v[top:top + size, left:left + size, ...] for v in value]
    return value[top:top + size, left:left + size, ...]
