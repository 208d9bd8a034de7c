"""Record where every pixel of an augmented sample came from."""
import numpy as np
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class GenerateCoordinateMap(BaseTransform):
    """Add ``results[key]``: each pixel's (row, col) in the original image.

    Listed in the keys of the flips, transposes and crops that follow, the
    map goes through the same geometry as the images, whatever the order of
    the transforms. Online masks (``CascadeDistillRestorer(mask_source=...,
    mask_interval > 1)``) use it to reuse a sample's masks, aligned, on the
    views seen between two refreshes.

    Args:
        key (str): Results key to fill. Defaults to ``'coords'``.
        ref_key (str): Image whose size the map has. Defaults to ``'gt'``.
    """

    def __init__(self, key: str = 'coords', ref_key: str = 'gt') -> None:
        self.key = key
        self.ref_key = ref_key

    def transform(self, results: dict) -> dict:
        """Add the (H, W, 2) int32 coordinate map."""
        if self.ref_key not in results:
            raise KeyError(f'GenerateCoordinateMap needs {self.ref_key!r} '
                           'loaded before it')
        height, width = results[self.ref_key].shape[:2]
        rows, cols = np.meshgrid(
            np.arange(height, dtype=np.int32),
            np.arange(width, dtype=np.int32),
            indexing='ij')
        results[self.key] = np.stack([rows, cols], axis=-1)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, '
                f'ref_key={self.ref_key!r})')
