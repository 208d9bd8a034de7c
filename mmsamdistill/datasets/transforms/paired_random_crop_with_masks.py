"""MMagic's PairedRandomCrop, extended to crop extra keys the same way."""
from typing import List, Sequence

import numpy as np
from mmagic.datasets.transforms import PairedRandomCrop
from mmagic.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PairedRandomCropWithMasks(PairedRandomCrop):
    """Crop img/gt like ``PairedRandomCrop`` and ``extra_keys`` with them.

    Each extra array (e.g. the SAM label map) is cropped at the gt's window
    when it has the gt's size and at the lq image's window when it has the lq
    size (masks computed on the degraded input of a super-resolution task).

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

    def transform(self, results: dict) -> dict:
        """Crop img, gt and the extra keys at one random location."""
        lq_shape = np.shape(_first(results[self.lq_key]))[:2]
        gt_shape = np.shape(_first(results[self.gt_key]))[:2]
        # The parent draws the corner with two np.random.randint calls;
        # replaying them from the same state recovers that corner exactly.
        state = np.random.get_state()
        results = super().transform(results)
        np.random.set_state(state)
        scale = results['scale']
        lq_patch = self.gt_patch_size // scale
        top = np.random.randint(lq_shape[0] - lq_patch + 1)
        left = np.random.randint(lq_shape[1] - lq_patch + 1)
        for key in self.extra_keys:
            value = results[key]
            shape = np.shape(_first(value))[:2]
            if shape == gt_shape:
                window = (top * scale, left * scale, self.gt_patch_size)
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
