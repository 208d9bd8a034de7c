"""Hold a frozen network outside the module tree."""
import torch
import torch.nn as nn


class FrozenNetwork:
    """Wrap a frozen ``nn.Module`` so that its owner does not register it.

    SAM and VGG only serve the training losses: kept out of the owner's module
    tree, their weights are not in the optimizer, in DDP's buckets or in every
    saved checkpoint. The network follows its inputs' device on each call.

    Args:
        module (nn.Module): The network; it is set to eval mode and its
            parameters stop requiring gradients.
    """

    def __init__(self, module: nn.Module) -> None:
        self.module = module.eval().requires_grad_(False)

    def __call__(self, *inputs: torch.Tensor, **kwargs) -> torch.Tensor:
        param = next(self.module.parameters(), None)
        if param is not None and param.device != inputs[0].device:
            self.module.to(inputs[0].device)
        return self.module(*inputs, **kwargs)
