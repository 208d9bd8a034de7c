"""Make IR2 start as the identity on IR1's output."""
from typing import Dict, Optional

import torch.nn as nn

# Generators whose output is ``input + layer(features)`` (a global residual):
# zeroing that last projection makes the network the identity, and every
# weight before it keeps its (copied or random) value.
RESIDUAL_OUTPUT_LAYERS: Dict[str, str] = {
    'NAFNet': 'ending',
    'NAFNetLocal': 'ending',
    'Restormer': 'output',
    'SwinIRNet': 'conv_last',  # with upsampler='' (denoising, JPEG, IR2)
    'Uformer': 'output_proj',
}

TEACHER_INITS = ('auto', 'gate', 'zero_output', 'none')


def residual_output_layer(network: nn.Module) -> Optional[str]:
    """The module path of ``network``'s residual output projection, if any.

    Args:
        network (nn.Module): A generator.

    Returns:
        str | None: The path, or None where zeroing a layer does not give
        the identity (no preset, or SwinIR with an upsampler).
    """
    name = RESIDUAL_OUTPUT_LAYERS.get(type(network).__name__)
    if name is None or getattr(network, 'upsampler', '') != '':
        return None
    if getattr(network, 'dual_pixel_task', False):  # Restormer without skip
        return None
    return name


def zero_module(module: nn.Module) -> None:
    """Set every parameter of ``module`` to zero."""
    for param in module.parameters():
        nn.init.zeros_(param)
