"""The cascade that distills SAM's semantic priors into a restoration model."""
import copy
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import torch
from mmagic.models.base_models import BaseEditModel
from mmagic.registry import MODELS
from mmagic.structures import DataSample
from mmengine.logging import MessageHub, print_log

from ..necks import recorded_features
from ..priors import PriorSource
from .distill_weights import DistillTerm, DistillWeights
from .semantic_teacher import SemanticTeacher
from .teacher_config import infer_image_channels, same_size_teacher

__all__ = ['CascadeDistillRestorer', 'CascadeOutput']


class CascadeOutput(NamedTuple):
    """One cascade step: ``IR1 -> masks -> IR2``.

    ``student_features``/``teacher_features`` are IR1's block outputs and
    IR2's SPF-fused features at the fusion points (empty unless a loss
    needs them).
    """
    student: torch.Tensor
    teacher: torch.Tensor
    masks: Optional[torch.Tensor]
    valid: Optional[torch.Tensor]
    student_features: List[torch.Tensor]
    teacher_features: List[torch.Tensor]


@MODELS.register_module()
class CascadeDistillRestorer(BaseEditModel):
    """Train IR1 (the stock generator) with priors distilled from IR2 + SAM.

    Per batch (:meth:`cascade`): ``I1 = IR1(x)``; masks M from the cache or
    segmented online; ``I2 = IR2_SPF(I1, M)``. Losses:
    ``recon1 = pixel_loss(I1, gt)``, ``recon2 = pixel_loss(I2, gt)`` and the
    distillation terms ``spd`` (SPD, Eq. 4), ``sgr`` (SGR, Eqs. 5-7),
    ``feature`` (IR2's fused block features into IR1's) and ``views`` (the
    teacher's restorations of new views of the inputs, which have no
    ground truth), weighted by :class:`DistillWeights` (schedule,
    scale-free weights). The teacher is detached inside the distillation
    terms, so IR2 and SPF learn from ``recon2`` only. With ``teacher_ema``
    the targets come from a running average of the teacher's weights (an
    EMA teacher) instead of its current weights.

    Parts: ``generator`` (IR1), ``prior_source`` (:class:`PriorSource`:
    cached, online or soft priors), ``teacher`` (:class:`SemanticTeacher`:
    IR2 with SPF, which starts as the identity so that ``I2 == I1`` at step
    0, and its EMA), the losses and ``distill_weights``. Loading a
    checkpoint that holds only the student (a stock MMagic checkpoint via
    ``load_from``) also initialises IR2 from it
    (``init_teacher_from_student``): upgrading a trained model is the
    intended workflow.

    ``tensor`` and ``predict`` run IR1 alone, as the stock ``BaseEditModel``,
    so inference costs what it did. In ``predict``, when the batch carries
    cached masks (a test pipeline with ``LoadSAMMask``), has a soft prior
    computed from IR1's output, or IR2 needs no masks, IR2's restoration
    is added
    as ``teacher_pred_img``: score it with e.g. ``dict(type='PSNR',
    pred_key='teacher_pred_img', prefix='teacher')`` next to the stock
    metrics, which keep scoring the student under their usual names.

    Args:
        generator (dict): IR1, the stock model's generator config.
        pixel_loss (dict): The stock model's pixel loss, used for both nets.
        teacher_generator (dict, optional): IR2's config; ``None`` builds a
            separate copy of ``generator`` (same architecture, own weights)
            or, for an upscaling generator, a same-size network (see
            ``teacher_config.same_size_teacher``; the choice is logged).
        spf (dict, optional): ``SemanticPriorFusion`` config (without the
            network, which is IR2); ``None`` runs IR2 without masks.
        spd_loss (dict, optional): ``SPDLoss`` config; ``None`` disables it.
            Defaults to SPD gated per pixel to where IR2 beats IR1.
        sgr_loss (dict, optional): ``SGRLoss`` config (VGG16 relu4_3 with
            torchvision's weights by default); ``None`` disables it.
        feature_loss (dict, optional): ``FeatureDistillLoss`` config;
            ``None`` (default) disables it.
        view_loss (dict, optional): ``ViewDistillLoss`` config: distill
            the teacher on zoomed-out, flipped views of the degraded inputs
            (no ground truth needed); ``None`` (default) disables it.
        teacher_ema (float, optional): Decay of an exponential moving
            average of IR2's (and SPF's) weights that gives the
            distillation targets and ``teacher_pred_img``, e.g. 0.999;
            ``None`` (default) distills the current teacher.
        distill_weights (dict, optional): ``DistillWeights`` arguments:
            ``start_iter``, ``ramp_iters``, ``grad_fraction`` (terms
            ``spd``, ``sgr``, ``feature``, ``views``), ``interval``.
            Defaults to scale-free weights from step 0: SPD pulls with 10 %
            and SGR with 5 % of the pixel loss's gradient on IR1's output
            (the paper's literal lambda_1 = 0.005, lambda_2 = 200 are
            ``configs/_base_/sam_distill.py``'s ``sam_distill_paper``).
        num_masks (int): Mask channels N built from each label map (largest
            masks first, the rest merged). Defaults to 16.
        mask_source (str | dict): ``'cache'`` reads the label map packed
            under ``mask_key`` by the data pipeline; a mask generator config
            (e.g. ``dict(type='SAMMaskGenerator', checkpoint=...)``) segments
            IR1's detached output during training (paper Eq. 2); a
            ``SegmenterProbabilityPrior`` config gives soft class
            probabilities of IR1's output as the prior channels
            (``num_masks`` = its classes), at test time too.
            Defaults to ``'cache'``.
        mask_key (str): DataSample field of the cached label maps.
            Defaults to ``'sam_mask'``.
        mask_interval (int): With an online source, iterations between two
            segmentations of a sample (see ``OnlineMaskSource``).
            Defaults to 1.
        coords_key (str): DataSample field of the coordinate maps.
            Defaults to ``'coords'``.
        image_channels (int, optional): Channels of the images IR1 outputs
            and IR2 takes; ``None`` infers them from the generator and the
            preprocessor (see ``teacher_config.infer_image_channels``).
            Defaults to None.
        teacher_input_grad (bool): If True, IR2 receives ``I1`` with its
            gradient (joint training); if False, ``I1`` is detached.
            Defaults to False.
        teacher_init (str): How IR2 starts as the identity
            (``SemanticTeacher``'s ``identity_init``): ``'auto'``
            (``'zero_output'`` where the generator has a residual output
            projection, else ``'gate'``), ``'gate'`` (``I2 = I1 + g * (IR2 -
            I1)``, ``g`` zero-initialised per channel), ``'zero_output'`` or
            ``'none'`` (IR2 as built). Defaults to ``'auto'``.
        init_teacher_from_student (bool): When a loaded state dict has
            student weights but no teacher weights, copy them into IR2.
            Defaults to True.
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
                 spd_loss: Optional[dict] = dict(
                     type='SPDLoss', loss_weight=1.0, gate='pixel'),
                 sgr_loss: Optional[dict] = dict(
                     type='SGRLoss', loss_weight=1.0),
                 feature_loss: Optional[dict] = None,
                 view_loss: Optional[dict] = None,
                 teacher_ema: Optional[float] = None,
                 distill_weights: Optional[dict] = dict(
                     grad_fraction=dict(spd=0.1, sgr=0.05), interval=10),
                 num_masks: int = 16,
                 mask_source: Union[str, dict] = 'cache',
                 mask_key: str = 'sam_mask',
                 mask_interval: int = 1,
                 coords_key: str = 'coords',
                 image_channels: Optional[int] = None,
                 teacher_input_grad: bool = False,
                 teacher_init: str = 'auto',
                 init_teacher_from_student: bool = True,
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
        self.prior_source = PriorSource(mask_source, num_masks, mask_key,
                                        coords_key, mask_interval)
        image_channels = image_channels or infer_image_channels(
            generator, data_preprocessor)
        if teacher_generator is None:
            teacher_generator, message = same_size_teacher(generator)
            print_log(message, 'current')
        self.teacher = SemanticTeacher(
            network=copy.deepcopy(teacher_generator),
            image_channels=image_channels,
            num_masks=num_masks,
            spf=spf,
            identity_init=teacher_init,
            ema_decay=teacher_ema)
        self.teacher_input_grad = teacher_input_grad
        self.spd_loss = MODELS.build(spd_loss) if spd_loss else None
        self.sgr_loss = MODELS.build(sgr_loss) if sgr_loss else None
        self.feature_loss = MODELS.build(feature_loss) if feature_loss \
            else None
        self.view_loss = MODELS.build(view_loss) if view_loss else None
        self.distill_weights = DistillWeights(**(distill_weights or {}))
        self._steps = 0  # fallback clock outside an mmengine runner
        if init_teacher_from_student:
            self._register_load_state_dict_pre_hook(self._teacher_from_student)

    def _teacher_from_student(self, state_dict: dict, prefix: str, *args):
        """Initialise IR2 from a loaded student without a teacher."""
        student, teacher = prefix + 'generator.', prefix + 'teacher.'
        if any(k.startswith(teacher) for k in state_dict) or not any(
                k.startswith(student) for k in state_dict):
            return
        state, message = self.teacher.state_from_student({
            key[len(student):]: value
            for key, value in state_dict.items() if key.startswith(student)
        })
        state_dict.update(
            {teacher + key: value
             for key, value in state.items()})
        print_log(message, 'current')

    # ----------------------------------------------------------- helpers
    def current_iter(self) -> int:
        """The training iteration: mmengine's, or steps taken so far."""
        iteration = MessageHub.get_current_instance().get_info('iter')
        return self._steps if iteration is None else int(iteration)

    def needs_masks(self) -> bool:
        """Whether the cascade uses masks (SPF or SGR are enabled)."""
        return self.teacher.spf is not None or self.sgr_loss is not None

    def needs_features(self) -> bool:
        """Whether a loss reads the fusion points' features."""
        return self.feature_loss is not None or (
            self.sgr_loss is not None and self.sgr_loss.features == 'cascade')

    def to_pixel_space(self, images: torch.Tensor,
                       data_samples: DataSample) -> torch.Tensor:
        """Generator outputs as RGB (or gray) images, nominally in [0, 1].

        The preprocessor's own destruct logic (de-normalise, to BGR) without
        its clamp, so gradients pass; then RGB order for VGG and SAM.

        Args:
            images (Tensor): Generator outputs in the normalised space.
            data_samples (DataSample): The batch (holds the channel order).

        Returns:
            Tensor: (B, C, H, W) images.
        """
        images = self.data_preprocessor._destruct_norm_and_conversion(
            images, data_samples, 'img') / 255.
        return images.flip(1) if images.size(1) == 3 else images

    def batch_masks(self, student: torch.Tensor, data_samples: DataSample
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The prior channels of IR1's output (see :class:`PriorSource`).

        Returns:
            tuple[Tensor, Tensor]: (B, N, H, W) masks, (B, N) validity.
        """
        return self.prior_source(
            self.to_pixel_space(student.detach(), data_samples),
            data_samples, self.current_iter())

    def cascade(self,
                inputs: torch.Tensor,
                data_samples: DataSample,
                features: bool = False) -> CascadeOutput:
        """One cascade step, shared by training, evaluation and analysis.

        Args:
            inputs (Tensor): Preprocessed degraded images.
            data_samples (DataSample): The stacked batch samples.
            features (bool): Also record IR1's features at the fusion
                points. Defaults to False.

        Returns:
            CascadeOutput: Both restorations, the masks and the features.
        """
        paths = self.teacher.fusion_points if features else []
        with recorded_features(self.generator, paths) as student_features:
            student = self.generator(inputs)
        masks = valid = None
        if self.needs_masks():
            masks, valid = self.batch_masks(student, data_samples)
        teacher_in = student if self.teacher_input_grad else student.detach()
        teacher, teacher_features = self.teacher(teacher_in, masks, valid)
        return CascadeOutput(student, teacher, masks, valid,
                             list(student_features), teacher_features)

    def with_target_teacher(self, out: CascadeOutput) -> CascadeOutput:
        """``out`` with the EMA teacher's restoration and features when
        ``teacher_ema`` is set (else ``out`` itself)."""
        if self.teacher.ema is None:
            return out
        teacher, teacher_features = self.teacher.target(
            out.student, out.masks, out.valid)
        return out._replace(teacher=teacher,
                            teacher_features=teacher_features)

    # --------------------------------------------------------- training
    def view_term(self, inputs: torch.Tensor,
                  out: CascadeOutput) -> DistillTerm:
        """Distillation on one new view of the inputs (``view_loss``).

        Args:
            inputs (Tensor): The batch's preprocessed degraded images.
            out (CascadeOutput): The batch's cascade step, whose teacher
                is the target (its masks move with the view).

        Returns:
            DistillTerm: The term, acting on IR1's output of the view.
        """
        views = self.view_loss
        view = views.sample_view(tuple(inputs.shape[-2:]))
        student = self.generator(views.view_of(view, inputs))
        masks = None if out.masks is None else views.view_of(
            view, out.masks, 'nearest')
        teacher, _ = self.teacher.target(student, masks, out.valid)
        weights = views.weights(teacher, views.view_of(view, out.teacher))
        return DistillTerm(
            views(student, teacher, weights), [student], [out.student])

    def distillation_terms(self, inputs: torch.Tensor, out: CascadeOutput,
                           gt: torch.Tensor,
                           data_samples: DataSample) -> Dict[str,
                                                              DistillTerm]:
        """The enabled distillation terms at their ``loss_weight``.

        Args:
            inputs (Tensor): The preprocessed degraded images.
            out (CascadeOutput): The cascade step, with the teacher as the
                target (:meth:`with_target_teacher`).
            gt (Tensor): The ground truth.
            data_samples (DataSample): The batch (channel order for VGG).

        Returns:
            dict[str, DistillTerm]: The terms by name.
        """
        terms = {}
        if self.spd_loss is not None:
            terms['spd'] = DistillTerm(
                self.spd_loss(out.student, out.teacher, gt), [out.student],
                [out.student])
        if self.sgr_loss is not None:
            acts_on = [out.student] if self.sgr_loss.features == 'network' \
                else out.student_features
            terms['sgr'] = DistillTerm(
                self.sgr_loss(
                    self.to_pixel_space(out.student, data_samples),
                    self.to_pixel_space(out.teacher, data_samples),
                    out.masks, out.valid, out.student_features,
                    out.teacher_features), acts_on, acts_on)
        if self.feature_loss is not None:
            terms['feature'] = DistillTerm(
                self.feature_loss(out.student_features,
                                  out.teacher_features),
                out.student_features, out.student_features)
        if self.view_loss is not None:
            terms['views'] = self.view_term(inputs, out)
        return terms

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
            dict[str, Tensor]: ``loss_recon1``, ``loss_recon2``, the active
            distillation terms (``loss_spd``, ``loss_sgr``,
            ``loss_feature``) and, for the log, ``distill_ramp``, each
            balanced term's ``weight_<term>`` and SPD's gate fraction.
        """
        iteration = self.current_iter()
        if torch.is_grad_enabled():  # an evaluation's loss call is no step
            self._steps += 1
        gt = data_samples.gt_img
        out = self.cascade(inputs, data_samples, self.needs_features())
        recon1 = self.pixel_loss(out.student, gt)
        losses = dict(
            loss_recon1=recon1, loss_recon2=self.pixel_loss(out.teacher, gt))
        self.teacher.update_average()
        ramp = self.distill_weights.ramp(iteration)
        losses['distill_ramp'] = recon1.new_tensor(ramp)
        if ramp == 0:  # the teacher trains alone first
            return losses
        out = self.with_target_teacher(out)
        terms = self.distillation_terms(inputs, out, gt, data_samples)
        losses.update(self.distill_weights.weighted(terms, recon1, iteration))
        if self.spd_loss is not None and self.spd_loss.gate is not None:
            losses['spd_gate_fraction'] = self.spd_loss.gate_mask(
                out.student, out.teacher, gt).mean()
        return losses

    # -------------------------------------------------------- inference
    def forward_inference(self,
                          inputs: torch.Tensor,
                          data_samples: Optional[DataSample] = None,
                          **kwargs) -> DataSample:
        """IR1's restoration; also IR2's when the batch carries masks.

        Args:
            inputs (Tensor): Preprocessed degraded images.
            data_samples (DataSample, optional): The stacked batch.

        Returns:
            DataSample: ``pred_img`` (the student, scored by the stock
            metrics) and, with masks, ``teacher_pred_img``.
        """
        with_teacher = data_samples is not None and (
            not self.needs_masks()
            or self.prior_source.available(data_samples))
        if not with_teacher:
            return super().forward_inference(inputs, data_samples, **kwargs)
        with torch.no_grad():
            out = self.with_target_teacher(
                self.cascade(inputs, data_samples))
        return DataSample(
            pred_img=self.data_preprocessor.destruct(
                out.student, data_samples).cpu(),
            teacher_pred_img=self.data_preprocessor.destruct(
                out.teacher, data_samples).cpu())
