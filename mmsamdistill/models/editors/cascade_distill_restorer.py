"""The cascade that distills SAM's semantic priors into a restoration model."""
import copy
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmagic.models.base_models import BaseEditModel
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from ..priors import OnlineMaskSource
from ..utils import label_map_to_masks


@MODELS.register_module()
class CascadeDistillRestorer(BaseEditModel):
    """Train IR1 (the stock generator) with priors distilled from IR2 + SAM.

    Per batch: ``I1 = IR1(x)``; ``I2 = IR2`` run on ``I1`` with SAM masks fused
    by SPF units; losses ``recon1 = pixel_loss(I1, gt)``, ``recon2 =
    pixel_loss(I2, gt)``, ``spd = SPD(I1, I2)`` and ``sgr = SGR(I1, I2, M)``,
    the teacher detached inside SPD/SGR so that IR2 and SPF learn from
    ``recon2`` only. ``tensor`` and ``predict`` modes run IR1 alone, exactly
    as the stock ``BaseEditModel``, so inference costs what it did.

    Args:
        generator (dict): IR1, the stock model's generator config.
        pixel_loss (dict): The stock model's pixel loss, used for both nets.
        teacher_generator (dict, optional): IR2's config; ``None`` builds a
            separate copy of ``generator`` (same architecture, own weights).
        spf (dict, optional): ``SemanticPriorFusion`` config; ``None`` runs
            IR2 on ``I1`` without masks (the plain-cascade ablation).
        spd_loss (dict, optional): ``SPDLoss`` config; ``None`` disables it.
        sgr_loss (dict, optional): ``SGRLoss`` config; ``None`` disables it.
        num_masks (int): Mask channels N built from each label map (largest
            masks first, the rest merged). Defaults to 16.
        mask_source (str | dict): Where masks come from: ``'cache'`` reads
            the label map packed under ``mask_key`` by the data pipeline; a
            mask generator config (e.g. ``dict(type='SAMMaskGenerator',
            checkpoint=...)``) segments IR1's detached output during
            training (paper Eq. 2). Defaults to ``'cache'``.
        mask_key (str): DataSample field of the cached label maps.
            Defaults to ``'sam_mask'``.
        mask_interval (int): With an online source, iterations between two
            segmentations of a sample; in between its masks are reused
            through the coordinate map under ``coords_key`` (see
            ``OnlineMaskSource``). Defaults to 1 (every step).
        coords_key (str): DataSample field of the coordinate maps.
            Defaults to ``'coords'``.
        image_channels (int): Channels of the generator's input image.
            Defaults to 3.
        teacher_input_grad (bool): If True, IR2 receives ``I1`` with its
            gradient, so ``recon2`` also trains IR1 (joint training); if
            False, ``I1`` is detached (stop-gradient). Defaults to False.
        train_cfg (dict, optional): Training config.
        test_cfg (dict, optional): Testing config.
        init_cfg (dict, optional): Initialisation config.
        data_preprocessor (dict, optional): The stock model's preprocessor.
    """

    def __init__(self,
                 generator: dict,
                 pixel_loss: dict,
                 teacher_generator: Optional[dict] = None,
                 spf: Optional[dict] = dict(type='SemanticPriorFusion'),
                 spd_loss: Optional[dict] = dict(type='SPDLoss'),
                 sgr_loss: Optional[dict] = dict(type='SGRLoss'),
                 num_masks: int = 16,
                 mask_source: Union[str, dict] = 'cache',
                 mask_key: str = 'sam_mask',
                 mask_interval: int = 1,
                 coords_key: str = 'coords',
                 image_channels: int = 3,
                 teacher_input_grad: bool = False,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__(
            generator=generator,
            pixel_loss=pixel_loss,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg,
            data_preprocessor=data_preprocessor)
        self.online_masks = None
        if isinstance(mask_source, dict):
            self.online_masks = OnlineMaskSource(
                MODELS.build(mask_source), mask_interval)
        elif mask_source != 'cache':
            raise ValueError("mask_source must be 'cache' or a mask generator "
                             f'config, got {mask_source!r}')
        elif mask_interval != 1:
            raise ValueError('mask_interval applies to online mask sources; '
                             "cached masks are read every step")
        if num_masks < 1:
            raise ValueError(f'num_masks must be >= 1, got {num_masks}')
        self.num_masks = num_masks
        self.mask_key = mask_key
        self.coords_key = coords_key
        self._train_steps = 0
        self.teacher_input_grad = teacher_input_grad
        self.teacher_generator = MODELS.build(
            copy.deepcopy(teacher_generator or generator))
        self.spf = None
        if spf is not None:
            self.spf = MODELS.build(spf)
            self.spf.attach(self.teacher_generator, image_channels, num_masks)
        self.spd_loss = MODELS.build(spd_loss) if spd_loss else None
        self.sgr_loss = MODELS.build(sgr_loss) if sgr_loss else None

    def needs_masks(self) -> bool:
        """Whether training reads masks (SPF or SGR are enabled)."""
        return self.spf is not None or self.sgr_loss is not None

    def batch_masks(self, student: torch.Tensor,
                    data_samples: DataSample) -> List[torch.Tensor]:
        """The batch's masks as N channels, from the cache or online.

        Args:
            student (Tensor): IR1's output (segmented by online sources).
            data_samples (DataSample): The stacked batch samples.

        Returns:
            list[Tensor]: (B, N, H, W) float masks and (B, N) bool validity.
        """
        if self.online_masks is None:
            labels = self.cached_labels(data_samples, student.shape[-2:])
        else:
            paths = data_samples.metainfo.get('gt_path')
            if isinstance(paths, str):
                paths = [paths]
            labels = self.online_masks(
                self.to_rgb_unit_range(student.detach(), data_samples),
                self._train_steps, paths,
                data_samples.get(self.coords_key))
        return label_map_to_masks(labels, self.num_masks)

    def cached_labels(self, data_samples: DataSample,
                      size: torch.Size) -> torch.Tensor:
        """The cached label maps of a batch at IR1's output size.

        Args:
            data_samples (DataSample): The stacked batch samples.
            size (torch.Size): Spatial size (H, W) of IR1's output.

        Returns:
            Tensor: (B, 1, H, W) label maps.
        """
        if self.mask_key not in data_samples:
            raise KeyError(
                f'The batch has no {self.mask_key!r}: add '
                f"dict(type='LoadSAMMask', key='{self.mask_key}', ...) to the "
                f"train pipeline and pack it with PackInputs(data_keys="
                f"['{self.mask_key}'])")
        labels = getattr(data_samples, self.mask_key)
        if labels.dim() == 3:
            labels = labels.unsqueeze(1)
        if tuple(labels.shape[-2:]) != tuple(size):
            # SAM ran on the low-resolution input (e.g. super-resolution).
            labels = F.interpolate(labels.float(), size=size, mode='nearest')
        return labels

    def to_rgb_unit_range(self, images: torch.Tensor,
                          data_samples: DataSample) -> torch.Tensor:
        """Undo the preprocessor's normalisation and channel order for VGG.

        Args:
            images (Tensor): Generator outputs in the normalised space.
            data_samples (DataSample): The batch (holds the channel order).

        Returns:
            Tensor: RGB images, nominally in [0, 1].
        """
        preprocessor = self.data_preprocessor
        mean = getattr(preprocessor, 'mean', None)
        std = getattr(preprocessor, 'std', None)
        if mean is not None and std is not None:
            images = images * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)
        images = images / 255.
        order = data_samples.metainfo.get('gt_img_output_channel_order',
                                          data_samples.metainfo.get(
                                              'img_output_channel_order'))
        if isinstance(order, (list, tuple)):
            order = order[0]
        if order is not None and order.upper() == 'BGR' and \
                images.size(1) == 3:
            images = images.flip(1)
        return images

    def forward_teacher(self, image: torch.Tensor,
                        masks: Optional[torch.Tensor],
                        valid: Optional[torch.Tensor]) -> torch.Tensor:
        """Run IR2 on IR1's output, with SPF when configured.

        Args:
            image (Tensor): IR1's output (detached unless
                ``teacher_input_grad``).
            masks (Tensor, optional): (B, N, H, W) masks.
            valid (Tensor, optional): (B, N) validity.

        Returns:
            Tensor: IR2's output.
        """
        if self.spf is None:
            return self.teacher_generator(image)
        return self.spf(self.teacher_generator, image, masks, valid)

    def forward_train(self,
                      inputs: torch.Tensor,
                      data_samples: Optional[DataSample] = None,
                      **kwargs) -> Dict[str, torch.Tensor]:
        """Compute the cascade's losses.

        Args:
            inputs (Tensor): Degraded images, (B, C, H, W).
            data_samples (DataSample): Stacked batch with ``gt_img`` and,
                when SPF/SGR are on, the label maps under ``mask_key``.

        Returns:
            dict[str, Tensor]: ``loss_recon1``, ``loss_recon2`` and, when
            enabled, ``loss_spd`` and ``loss_sgr``.
        """
        gt = data_samples.gt_img
        student = self.generator(inputs, **kwargs)
        masks = valid = None
        if self.needs_masks():
            masks, valid = self.batch_masks(student, data_samples)
        self._train_steps += 1
        teacher_in = student if self.teacher_input_grad else student.detach()
        teacher = self.forward_teacher(teacher_in, masks, valid)

        losses = dict(
            loss_recon1=self.pixel_loss(student, gt),
            loss_recon2=self.pixel_loss(teacher, gt))
        if self.spd_loss is not None:
            losses['loss_spd'] = self.spd_loss(student, teacher)
        if self.sgr_loss is not None:
            losses['loss_sgr'] = self.sgr_loss(
                self.to_rgb_unit_range(student, data_samples),
                self.to_rgb_unit_range(teacher, data_samples), masks, valid)
        return losses
