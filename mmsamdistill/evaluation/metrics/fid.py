"""FID between restored and reference images of a paired test set."""
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmagic.registry import METRICS, MODELS
from scipy import linalg

from ...models.utils.frozen_network import FrozenNetwork
from .image_pair_metric import ImagePairMetric
from .inception_features import PYTORCH_FID_INCEPTION


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray,
                     cov2: np.ndarray, eps: float = 1e-6) -> float:
    """Frechet distance between two Gaussians.

    ``|mean1 - mean2|^2 + Tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2))`` (Heusel
    et al., 2017). When the product is singular (fewer samples than feature
    dimensions), ``eps`` is added to both diagonals before the square root.

    Args:
        mean1 (np.ndarray): (D,) mean of the first set.
        cov1 (np.ndarray): (D, D) covariance of the first set.
        mean2 (np.ndarray): (D,) mean of the second set.
        cov2 (np.ndarray): (D, D) covariance of the second set.
        eps (float): Diagonal offset for singular products.

    Returns:
        float: The distance (>= 0 up to rounding).
    """
    diff = mean1 - mean2
    root = linalg.sqrtm(cov1 @ cov2)
    if not np.isfinite(root).all():
        offset = np.eye(cov1.shape[0]) * eps
        root = linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    if np.iscomplexobj(root):
        # rounding makes tiny imaginary parts; large ones mean a bad input
        if not np.allclose(np.diagonal(root).imag, 0, atol=1e-3):
            raise ValueError('the covariance product has a square root with '
                             'a large imaginary part '
                             f'({np.abs(root.imag).max():.3g})')
        root = root.real
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) -
                 2 * np.trace(root))


def gaussian_stats(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of (N, D) features, in float64."""
    features = features.astype(np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


@METRICS.register_module()
class PairedFID(ImagePairMetric):
    """Frechet Inception Distance of restored vs reference test images.

    Both sets come from the same samples: each sample gives the features of
    its restored image (``fake_key``) and of its clean reference
    (``real_key``), and FID compares the two feature distributions over the
    whole test set. The default feature network is the FID Inception-v3
    with pytorch-fid's weights (:class:`FIDInceptionFeatures`), so the
    numbers compare with pytorch-fid's on the same images (which it reads as
    8-bit RGB, as here).

    Why not MMagic's ``FrechetInceptionDistance`` / ``TransFID``: they are
    built for generative models. They read the fake image from
    ``sample[sample_model][fake_key]`` or ``sample['fake_img']``, while a
    ``BaseEditModel`` puts it in ``sample['output']['pred_img']``; they need
    ``fake_nums`` equal to the test set size; and they compute the real
    statistics in a second pass over the dataloader, cached as a pickle under
    ``~/.cache/openmmlab``.

    Use in a config: ``dict(type='PairedFID')`` (reported as ``FID``);
    ``fake_key='input'`` scores the degraded inputs (the 'Rain' row) and
    ``fake_key='gt_img'`` gives 0.

    Args:
        feature_extractor (dict, optional): Registry config of a network
            mapping (B, 3, H, W) RGB images in [0, 1] to (B, D) or
            (B, D, 1, 1) features. None (default) is the FID Inception with
            pytorch-fid's weights (downloaded once into torch hub's cache):
            ``dict(type='FIDInceptionFeatures')``.
        fake_key (str): Image scored. Defaults to ``'pred_img'``.
        real_key (str): Reference image. Defaults to ``'gt_img'``.
        channel_order (str): Channel order of the images. Defaults to 'BGR'.
        device (str, optional): Device of the feature network; see
            :class:`ImagePairMetric`.
        collect_device (str): Device to gather results. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric name.
    """

    def __init__(self,
                 feature_extractor: Optional[dict] = None,
                 fake_key: str = 'pred_img',
                 real_key: str = 'gt_img',
                 channel_order: str = 'BGR',
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(channel_order=channel_order, device=device,
                         collect_device=collect_device, prefix=prefix)
        self.feature_extractor_cfg = dict(
            feature_extractor or dict(
                type='FIDInceptionFeatures', pretrained=PYTORCH_FID_INCEPTION))
        self.fake_key = fake_key
        self.real_key = real_key
        self._extractor: Optional[FrozenNetwork] = None  # built on first use

    def _features(self, images: List[torch.Tensor]) -> np.ndarray:
        if self._extractor is None:
            self._extractor = FrozenNetwork(
                MODELS.build(self.feature_extractor_cfg))
        device = self.run_device(images[0])
        feats = []
        with torch.no_grad():
            for image in images:  # sizes may differ between samples
                rgb = self.to_rgb(image).to(device)[None] / 255
                feats.append(self._extractor(rgb).reshape(1, -1).double())
        return torch.cat(feats).cpu().numpy()

    def process(self, data_batch: dict, data_samples: List[dict]) -> None:
        """Extract the features of each sample's fake and real image.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (list[dict]): Data samples with the outputs.
        """
        fakes = [self.fetch_image(s, self.fake_key) for s in data_samples]
        reals = [self.fetch_image(s, self.real_key) for s in data_samples]
        for fake, real in zip(self._features(fakes), self._features(reals)):
            self.results.append((fake, real))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """FID between the fake and the real feature sets.

        Args:
            results (list[tuple]): Per-sample (fake, real) feature vectors.

        Returns:
            dict: ``FID``.
        """
        if len(results) < 2:
            raise ValueError(f'FID needs at least 2 samples, got '
                             f'{len(results)}')
        fake = np.stack([fake for fake, _ in results])
        real = np.stack([real for _, real in results])
        return dict(FID=frechet_distance(*gaussian_stats(fake),
                                         *gaussian_stats(real)))
