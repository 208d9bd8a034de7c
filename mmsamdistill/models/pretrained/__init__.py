from .bundled_files import BUNDLED_SHA256, bundled_labels, bundled_weights
from .frozen_tflite_network import FrozenTFLiteNetwork
from .imagenet_mobilenet_v2 import ImageNetMobileNetV2
from .pascal_deeplabv3 import PascalDeepLabV3
from .tflite_graph import TFLiteGraph, TFLiteOperator, TFLiteTensor

__all__ = [
    'BUNDLED_SHA256', 'FrozenTFLiteNetwork', 'ImageNetMobileNetV2',
    'PascalDeepLabV3', 'TFLiteGraph', 'TFLiteOperator', 'TFLiteTensor',
    'bundled_labels', 'bundled_weights'
]
