"""Run, time and count the student (IR1) of a trained config."""
import time
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine import Config
from torch import nn

from mmagic.registry import MODELS, TRANSFORMS
from mmagic.structures import DataSample
from ..engine.checkpoint_loading import load_state_dict_file


def count_parameters(module: nn.Module) -> int:
    """Number of parameters of ``module``."""
    return sum(p.numel() for p in module.parameters())


def _test_image_loading(cfg: Config) -> dict:
    """The ``LoadImageFromFile`` step of ``img`` in the config's test
    pipeline; MMagic's restoration configs load RGB, the default here."""
    pipelines = []
    for loader in ('test_dataloader', 'val_dataloader'):
        loaders = cfg.get(loader)
        for one in (loaders if isinstance(loaders, (list, tuple)) else
                    [loaders]):
            dataset = (one or {}).get('dataset') or {}
            pipelines.append(dataset.get('pipeline') or [])
    pipelines.append(cfg.get('test_pipeline') or [])
    for pipeline in pipelines:
        for step in pipeline:
            if (isinstance(step, dict) and step.get('type') in (
                    'LoadImageFromFile', 'mmagic.LoadImageFromFile')
                    and step.get('key', 'img') == 'img'):
                return dict(step, type='LoadImageFromFile')
    return dict(type='LoadImageFromFile', key='img', channel_order='rgb')


class StudentRestorer:
    """The stock restorer of a config's generator (IR1 for the cascade).

    Only the network that runs at inference is built: for a
    ``CascadeDistillRestorer`` that is IR1, exactly the stock generator. It
    runs through MMagic's own inference path -- a ``BaseEditModel`` with the
    config's ``data_preprocessor`` (per-channel mean/std, channel order,
    padding) and its ``destruct`` -- fed as the config's test pipeline
    would feed it.

    Args:
        config (str | Config): The training config (cascade or stock).
        checkpoint (str): A checkpoint of a run of that config, or an
            exported student; loaded weights-only.
        device (str): Device. Defaults to 'cpu'.
    """

    def __init__(self, config, checkpoint: str, device: str = 'cpu') -> None:
        cfg = config if isinstance(config, Config) else Config.fromfile(config)
        preprocessor = dict(
            cfg.model.get('data_preprocessor') or dict(
                type='DataPreprocessor'))
        if preprocessor['type'] in ('DataPreprocessor',
                                    'mmagic.DataPreprocessor'):
            preprocessor['data_keys'] = None  # no ground truth here
        self.model = MODELS.build(
            dict(
                type='BaseEditModel',
                generator=cfg.model.generator,
                pixel_loss=cfg.model.get('pixel_loss') or dict(
                    type='L1Loss'),
                data_preprocessor=preprocessor))
        state = load_state_dict_file(checkpoint)
        own = {
            k[len('generator.'):]: v
            for k, v in state.items() if k.startswith('generator.')
        }
        if not own:
            raise KeyError(f'{checkpoint} has no generator.* weights')
        self.model.generator.load_state_dict(own)
        self.model.to(device).eval()
        self.generator = self.model.generator
        self.image_loading = _test_image_loading(cfg)
        self.channel_order = self.image_loading.get('channel_order', 'bgr')
        self.color_type = self.image_loading.get('color_type', 'color')
        self.device = device

    @torch.no_grad()
    def _restore(self, image: np.ndarray, order: str) -> np.ndarray:
        """Restore an (H, W, C) uint8 image given in ``order``; RGB out (or
        one channel for a one-channel model)."""
        if image.shape[-1] == 1:
            # nothing to reorder; labelled 'rgb' (as MMagic's gray test
            # configs do) the preprocessor would index three channels
            order = 'bgr'
        inputs = torch.from_numpy(np.ascontiguousarray(image)).permute(
            2, 0, 1)
        sample = DataSample(metainfo=dict(
            img_channel_order=order, img_color_type=self.color_type,
            ori_img_shape=image.shape))
        output = self.model.test_step(
            dict(inputs=[inputs], data_samples=[sample]))[0]
        # destruct returns BGR, like MMagic's pred_img
        restored = output.output.pred_img.round().byte().permute(1, 2, 0)
        return restored.cpu().numpy()[..., ::-1].copy()

    def __call__(self, image_rgb: np.ndarray) -> np.ndarray:
        """Restore one image.

        Args:
            image_rgb (np.ndarray): (H, W, 3) uint8 RGB image.

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB restored image.
        """
        order = self.channel_order.lower()
        image = image_rgb if order == 'rgb' else image_rgb[..., ::-1]
        return self._restore(image, order)

    def restore_file(self, path: str) -> Tuple[np.ndarray, np.ndarray]:
        """Read an image as the config's test pipeline reads its inputs
        (MMagic's ``LoadImageFromFile`` with the config's settings: channel
        order, grayscale or Y channel) and restore it.

        Args:
            path (str): Image file.

        Returns:
            tuple[np.ndarray, np.ndarray]: The input as loaded and the
            restoration, uint8, (H, W, 3) RGB, or (H, W, 1) for one-channel
            models.
        """
        loaded = TRANSFORMS.build(self.image_loading)(dict(img_path=path))
        image = loaded['img']
        order = self.channel_order.lower()
        restored = self._restore(image, order)
        if image.shape[-1] == 3 and order != 'rgb':
            image = image[..., ::-1]
        return np.ascontiguousarray(image), restored


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
