"""Evaluation metrics, registered into ``mmagic.registry.METRICS``."""
from .downstream_segmentation import (DownstreamSegmentationMetric,
                                      confusion_matrix, segmentation_scores)
from .fid import PairedFID, frechet_distance, gaussian_stats
from .frozen_segmenter import MMSEG_REQUIREMENT, FrozenSegmenter
from .image_pair_metric import ImagePairMetric
from .inception_features import PYTORCH_FID_INCEPTION, FIDInceptionFeatures

__all__ = [
    'DownstreamSegmentationMetric', 'FIDInceptionFeatures', 'FrozenSegmenter',
    'ImagePairMetric', 'MMSEG_REQUIREMENT', 'PYTORCH_FID_INCEPTION',
    'PairedFID', 'confusion_matrix', 'frechet_distance', 'gaussian_stats',
    'segmentation_scores'
]
