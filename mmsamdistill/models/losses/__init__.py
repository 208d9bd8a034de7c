from .composite_loss import CompositeLoss
from .feature_distill_loss import FeatureDistillLoss
from .mobilenet_v2_feature_extractor import MobileNetV2FeatureExtractor
from .rcdnet_loss import RCDNetLoss
from .sgr_loss import SGRLoss
from .spd_loss import SPDLoss
from .ssim_loss import SSIMLoss
from .vgg_feature_extractor import VGGFeatureExtractor
from .view_distill_loss import ViewDistillLoss

__all__ = [
    'CompositeLoss', 'FeatureDistillLoss', 'MobileNetV2FeatureExtractor',
    'RCDNetLoss', 'SGRLoss', 'SPDLoss', 'SSIMLoss',
    'VGGFeatureExtractor', 'ViewDistillLoss'
]
