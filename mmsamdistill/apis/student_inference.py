"""Run, time and count the student (IR1) of a trained config."""
import time
from typing import Optional

import numpy as np
import torch
from mmengine import Config
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from mmagic.registry import MODELS
from ..engine import trusted_run_checkpoints


def count_parameters(module: nn.Module) -> int:
    """Number of parameters of ``module``."""
    return sum(p.numel() for p in module.parameters())


class StudentRestorer:
    """The generator of a config (IR1 for the cascade), with its weights.

    Only the network that runs at inference is built: for a
    ``CascadeDistillRestorer`` that is IR1, exactly the stock generator.

    Args:
        config (str | Config): The training config.
        checkpoint (str): A checkpoint of your own run of that config
            (unpickled in full, the trust of ``--resume``).
        device (str): Device. Defaults to 'cpu'.
    """

    def __init__(self, config, checkpoint: str, device: str = 'cpu') -> None:
        cfg = config if isinstance(config, Config) else Config.fromfile(config)
        self.generator = MODELS.build(cfg.model.generator).to(device).eval()
        with trusted_run_checkpoints():
            loaded = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
        state = loaded.get('state_dict', loaded)
        own = {
            k[len('generator.'):]: v
            for k, v in state.items() if k.startswith('generator.')
        }
        if not own:
            raise KeyError(f'{checkpoint} has no generator.* weights')
        self.generator.load_state_dict(own)
        preprocessor = cfg.model.get('data_preprocessor') or {}
        self.mean = float(np.mean(preprocessor.get('mean', [0.])))
        self.std = float(np.mean(preprocessor.get('std', [255.])))
        self.device = device

    @torch.no_grad()
    def __call__(self, image_rgb: np.ndarray) -> np.ndarray:
        """Restore one image.

        Args:
            image_rgb (np.ndarray): (H, W, 3) uint8 RGB, as MMagic's test
                pipelines load it.

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB restored image.
        """
        x = torch.from_numpy(image_rgb).permute(2, 0, 1)[None].float()
        x = (x.to(self.device) - self.mean) / self.std
        out = self.generator(x)[0] * self.std + self.mean
        return out.clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()


def time_inference(network: nn.Module,
                   shape=(1, 3, 128, 128),
                   repeats: int = 20,
                   warmup: int = 3,
                   device: Optional[str] = None) -> float:
    """Median seconds of one forward pass of ``network`` on ``shape``.

    Args:
        network (nn.Module): The network (run in eval mode, no grad).
        shape (tuple): Input shape. Defaults to (1, 3, 128, 128).
        repeats (int): Timed runs. Defaults to 20.
        warmup (int): Untimed runs first. Defaults to 3.
        device (str, optional): Defaults to the network's device.

    Returns:
        float: Median wall time in seconds.
    """
    device = device or next(network.parameters()).device
    x = torch.rand(shape, device=device)
    times = []
    network.eval()
    with torch.no_grad():
        for index in range(warmup + repeats):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            start = time.perf_counter()
            network(x)
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            if index >= warmup:
                times.append(time.perf_counter() - start)
    return float(np.median(times))
