"""Photos and the reference interpreter (LiteRT) for the pretrained tests."""
import numpy as np
import torch
from ai_edge_litert.interpreter import Interpreter
from skimage import data
from torch.nn import functional as F

from mmsamdistill.models.pretrained import bundled_weights


def resized_photo(name: str, size: int) -> np.ndarray:
    """A scikit-image photo resized to size x size, (H, W, 3) RGB uint8."""
    image = torch.from_numpy(getattr(data, name)()).permute(2, 0, 1)[None]
    resized = F.interpolate(
        image.float(), (size, size), mode='bilinear', antialias=True)
    return resized[0].permute(1, 2, 0).round().clamp(0, 255).to(
        torch.uint8).numpy()


def as_batch(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) float in [0, 1]."""
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255


def reference_output(name: str, image: np.ndarray) -> np.ndarray:
    """What LiteRT computes for one uint8 image with a bundled network."""
    interpreter = Interpreter(model_path=bundled_weights(name))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]['index'],
                           image[None])
    interpreter.invoke()
    return interpreter.get_tensor(
        interpreter.get_output_details()[0]['index'])[0]
