"""The paper's baseline restoration networks that MMagic lacks."""
from .efficient_derain import EfficientDerain
from .rcdnet import RCDNet
from .uformer import Uformer

__all__ = ['EfficientDerain', 'RCDNet', 'Uformer']
