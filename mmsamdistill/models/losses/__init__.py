from .sgr_loss import SGRLoss
from .spd_loss import SPDLoss
from .vgg_feature_extractor import VGGFeatureExtractor

__all__ = ['SGRLoss', 'SPDLoss', 'VGGFeatureExtractor']
