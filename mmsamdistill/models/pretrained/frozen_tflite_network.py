"""What every network rebuilt from a TFLite file shares: frozen, eval-only,
fed RGB in [0, 1] and normalised the way the graph's input is quantised."""
from typing import Optional

import torch
import torch.fx
from mmengine.model import BaseModule

from .bundled_files import BUNDLED_SHA256, resolve_checkpoint
from .tflite_graph import TFLiteGraph


def check_images(images: torch.Tensor) -> torch.Tensor:
    """``images`` if it is a (B, 3, H, W) batch, else a clear error."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError('the pretrained networks take RGB images in [0, 1] '
                         f'as (B, 3, H, W), got {tuple(images.shape)}')
    return images


# A leaf for FX (torchvision's create_feature_extractor): checked at run time.
torch.fx.wrap('check_images')


def read_tflite_checkpoint(checkpoint: str,
                           sha256: Optional[str] = None) -> TFLiteGraph:
    """Parse a checkpoint given as a path or a bundled file's name.

    Args:
        checkpoint (str): A ``.tflite`` path or a bundled file's name.
        sha256 (str, optional): Expected SHA-256; the bundled files are
            checked against their known sums when this is ``None``.
    """
    path = resolve_checkpoint(checkpoint)
    if sha256 is None and checkpoint in BUNDLED_SHA256:
        sha256 = BUNDLED_SHA256[checkpoint]
    return TFLiteGraph(path, sha256=sha256)


class FrozenTFLiteNetwork(BaseModule):
    """Base of the networks rebuilt from TFLite graphs.

    Subclasses build their layers, fill them from the graph, then call
    :meth:`freeze`. Afterwards no parameter requires gradients and the
    network stays in eval mode when a parent calls ``.train()`` (its
    Dropout must stay off and its weights fixed); gradients still flow to
    the input.
    """

    def freeze(self, graph: TFLiteGraph) -> None:
        """Record the input normalisation and the checkpoint, freeze.

        The graphs take uint8 pixels ``q`` quantised with a scale and a zero
        point (1/128 and 128 for the bundled ones: ``(q - 128) / 128``, i.e.
        [-1, 1]); an image ``x = q / 255`` in [0, 1] is mapped the same way.
        """
        tensor = graph.input_tensor()
        if tensor.dtype != 'UINT8' or len(tensor.scale) != 1:
            raise ValueError(f'{graph.path} takes {tensor.dtype} input; '
                             'only uint8 image inputs quantised per tensor '
                             'say how to normalise images')
        self.input_scale = 255.0 * tensor.scale[0]
        self.input_shift = -tensor.zero_point[0] * tensor.scale[0]
        self.checkpoint = graph.path
        self.checkpoint_sha256 = graph.sha256
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'FrozenTFLiteNetwork':
        """Stay in eval mode whatever ``mode`` says."""
        return super().train(False)

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """RGB (B, 3, H, W) in [0, 1] -> the graph's input range."""
        return check_images(images) * self.input_scale + self.input_shift
