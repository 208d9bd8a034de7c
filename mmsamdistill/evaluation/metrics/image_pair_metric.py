"""A metric base that reads MMagic's restored/reference images per sample."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import get_world_size
from mmengine.evaluator import BaseMetric
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

CHANNEL_ORDERS = ('BGR', 'RGB')


class ImagePairMetric(BaseMetric):
    """Base of the metrics that run a frozen network on MMagic's images.

    It fits both evaluators: MMagic's (used by ``MultiValLoop`` and
    ``MultiTestLoop``; it calls :meth:`prepare`, groups metrics by
    ``SAMPLER_MODE``/``sample_model`` and calls ``evaluate()`` without a size)
    and mmengine's (``evaluate(size)``).

    What the metrics receive (MMagic 1.2, ``BaseEditModel``): each data
    sample is a dict whose ``output`` dict holds ``pred_img``, and which holds
    ``gt_img`` and the destructed LQ ``input`` itself. All are (C, H, W)
    tensors in [0, 255]: ``DataPreprocessor.destruct`` turns outputs and
    inputs back to pixel values in BGR order, and in test mode the data
    preprocessor converts ``gt_img`` to BGR too -- MMagic's PSNR/SSIM hence
    set ``channel_order = 'BGR'``. Images are rounded to 8 bits first, so the
    networks see what a saved restored image holds.

    Args:
        channel_order (str): Channel order of the images, ``'BGR'`` (MMagic's
            convention, default) or ``'RGB'``.
        device (str, optional): Device of the frozen network. None runs it
            where the evaluated model runs (recorded by :meth:`prepare`),
            else on the images' device.
        collect_device (str): ``'cpu'`` or ``'gpu'``, to gather results
            across processes. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names.
    """

    # read by MMagic's Evaluator to share one sampler between metrics
    SAMPLER_MODE = 'normal'
    sample_model = 'orig'

    def __init__(self,
                 channel_order: str = 'BGR',
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if channel_order not in CHANNEL_ORDERS:
            raise ValueError(f'channel_order must be one of {CHANNEL_ORDERS}'
                             f', got {channel_order!r}')
        self.channel_order = channel_order
        self.device = device
        self._model_device: Optional[torch.device] = None
        self._dataset_size: Optional[int] = None

    def prepare(self, module: nn.Module, dataloader: DataLoader) -> None:
        """Record the dataset size and the evaluated model's device.

        Args:
            module (nn.Module): The evaluated model.
            dataloader (DataLoader): The evaluation dataloader.
        """
        self._dataset_size = len(dataloader.dataset)
        if is_model_wrapper(module):
            module = module.module
        param = next(module.parameters(), None)
        self._model_device = param.device if param is not None else None

    def get_metric_sampler(self, model: nn.Module, dataloader: DataLoader,
                           metrics: list) -> DataLoader:
        """Evaluate on the dataloader itself (MMagic's 'normal' mode)."""
        return dataloader

    def evaluate(self, size: Optional[int] = None) -> dict:
        """Compute the metrics over all processed samples.

        Args:
            size (int, optional): Dataset length; MMagic's evaluator passes
                none, then the one recorded by :meth:`prepare` is used.

        Returns:
            dict: Metric name (with prefix) -> value.
        """
        if size is None:
            size = self._dataset_size
        if size is None:
            if get_world_size() > 1:
                raise RuntimeError(
                    f'{type(self).__name__}: the dataset size is unknown; '
                    'call prepare(model, dataloader) before evaluating in '
                    'a distributed run')
            size = len(self.results)
        return super().evaluate(size)

    def run_device(self, image: torch.Tensor) -> torch.device:
        """Device for the frozen network given an image to process."""
        if self.device is not None:
            return torch.device(self.device)
        if self._model_device is not None:
            return self._model_device
        return image.device

    def fetch_image(self, sample: dict, key: str) -> torch.Tensor:
        """The (3, H, W) float image ``key`` of a sample, in [0, 255].

        ``key`` is looked up in ``sample['output']`` first (``pred_img``),
        then in the sample (``gt_img``, ``input``).

        Args:
            sample (dict): One data sample, as the evaluator passes it.
            key (str): Image key.

        Returns:
            Tensor: The image rounded to integers, as float32.
        """
        output = sample.get('output') or {}
        if key in output:
            image = output[key]
        elif key in sample:
            image = sample[key]
        else:
            raise KeyError(
                f'{type(self).__name__}: no image {key!r} in the sample '
                f'(output keys: {sorted(output)}; sample keys: '
                f'{sorted(k for k in sample if k != "output")})')
        image = torch.as_tensor(image)
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(
                f'{type(self).__name__}: {key!r} must be a (3, H, W) colour '
                f'image, got shape {tuple(image.shape)}')
        return image.float().round().clamp(0, 255)

    def to_rgb(self, image: torch.Tensor) -> torch.Tensor:
        """Reorder a (3, H, W) image of :attr:`channel_order` to RGB."""
        return image.flip(0) if self.channel_order == 'BGR' else image
