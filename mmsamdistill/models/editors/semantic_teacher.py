"""IR2, the teacher: a restoration network with SPF that starts as the
identity on IR1's output."""
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from .parameter_ema import ParameterEMA
from .teacher_config import teacher_size_error

__all__ = ['RESIDUAL_OUTPUT_LAYERS', 'SemanticTeacher']

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

IDENTITY_INITS = ('auto', 'gate', 'zero_output', 'none')


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


@MODELS.register_module()
class SemanticTeacher(BaseModule):
    """IR2: refines IR1's output with the semantic priors fused in by SPF.

    ``forward(image, masks, valid)`` runs the network through SPF (or bare,
    without SPF) and returns its restoration and SPF's fused features.

    It starts as the identity, so ``I2 == I1`` at step 0 and IR2 can only
    improve on the student: every SPF unit is a no-op, and either the
    network's residual output projection is zeroed (generators listed in
    ``RESIDUAL_OUTPUT_LAYERS``, ``identity_init='zero_output'``) or a
    zero-initialised per-channel gate ``g`` mixes its output in
    (``I2 = I1 + g * (IR2(I1) - I1)``, ``'gate'``, any generator).
    :meth:`init_weights` restores that start after the network's own
    initialisation, and :meth:`state_from_student` makes IR2 a copy of a
    trained student that is still the identity.

    With ``ema_decay`` the teacher also keeps an exponential moving average
    of its weights: :meth:`target` (the distillation targets) runs with it.

    Args:
        network (dict | nn.Module): The restoration network (config or
            module); its output must have its input's size.
        image_channels (int): Channels of the images it restores.
        num_masks (int): Mask channels N that SPF takes.
        spf (dict, optional): ``SemanticPriorFusion`` config without the
            network; ``None`` runs the network without masks.
        identity_init (str): ``'auto'`` (``'zero_output'`` where the
            network has a residual output projection, else ``'gate'``),
            ``'gate'``, ``'zero_output'`` or ``'none'`` (as built).
            Defaults to ``'auto'``.
        ema_decay (float, optional): Decay of the weight average used by
            :meth:`target`, e.g. 0.999; ``None`` (default) keeps none.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 network: Union[dict, nn.Module],
                 image_channels: int,
                 num_masks: int,
                 spf: Optional[dict] = dict(type='SemanticPriorFusion'),
                 identity_init: str = 'auto',
                 ema_decay: Optional[float] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if identity_init not in IDENTITY_INITS:
            raise ValueError(f'teacher_init must be one of {IDENTITY_INITS},'
                             f' got {identity_init!r}')
        self.network = MODELS.build(network) if isinstance(network,
                                                           dict) else network
        self.spf = None
        if spf is not None:
            self.spf = MODELS.build(
                spf,
                default_args=dict(
                    network=self.network,
                    image_channels=image_channels,
                    num_masks=num_masks))
        self.output_layer = self._identity_output_layer(identity_init)
        self.gate = None
        if identity_init == 'gate' or (identity_init == 'auto'
                                       and self.output_layer is None):
            self.gate = nn.Parameter(torch.zeros(1, image_channels, 1, 1))
        self.start_as_identity()
        self.ema = None
        if ema_decay is not None:
            self.ema = ParameterEMA(dict(self.named_parameters()), ema_decay)

    def _identity_output_layer(self, identity_init: str) -> Optional[str]:
        """The output layer zeroed to start as the identity, if any."""
        layer = residual_output_layer(self.network)
        if identity_init == 'zero_output' and layer is None:
            raise ValueError(
                "teacher_init='zero_output' needs a generator with a "
                'residual output projection '
                f'({", ".join(sorted(RESIDUAL_OUTPUT_LAYERS))}); use '
                f"'gate' for {type(self.network).__name__}")
        return layer if identity_init in ('auto', 'zero_output') else None

    @property
    def fusion_points(self) -> List[str]:
        """SPF's fusion points in execution order (none without SPF)."""
        return [] if self.spf is None else self.spf.fusion_points

    def start_as_identity(self) -> None:
        """Zero the output layer or the gate and every SPF unit's output,
        so that the teacher returns its input."""
        if self.output_layer is not None:
            for param in self.network.get_submodule(
                    self.output_layer).parameters():
                nn.init.zeros_(param)
        if self.gate is not None:
            nn.init.zeros_(self.gate)
        if self.spf is not None:
            self.spf.zero_outputs()

    def init_weights(self) -> None:
        """Initialise the network (its own ``init_weights`` may re-draw the
        output layer), then start as the identity again."""
        super().init_weights()
        self.start_as_identity()

    def forward(self, image: torch.Tensor, masks: Optional[torch.Tensor],
                valid: Optional[torch.Tensor]
                ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Restore IR1's output with the priors.

        Args:
            image (Tensor): (B, C, H, W) IR1's output.
            masks (Tensor, optional): (B, N, H, W) masks (with SPF).
            valid (Tensor, optional): (B, N) bool validity of the masks.

        Returns:
            tuple[Tensor, list[Tensor]]: IR2's restoration and its fused
            features at the fusion points (empty without SPF).
        """
        if self.spf is None:
            raw, features = self.network(image), []
        else:
            raw, features = self.spf(image, masks, valid)
        if raw.shape != image.shape:
            raise ValueError(teacher_size_error(raw.shape, image.shape))
        if self.gate is None:
            return raw, features
        gated = image + self.gate * (raw - image)
        # Records a generator attaches to its output (RCDNet's stages) stay
        # readable by its loss.
        gated.__dict__.update(vars(raw))
        return gated, features

    def target(self, image: torch.Tensor, masks: Optional[torch.Tensor],
               valid: Optional[torch.Tensor]
               ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """The teacher as a distillation target: no gradient, and its
        averaged weights with ``ema_decay``. Same arguments and returns as
        :meth:`forward`."""
        with torch.no_grad(), self.averaged():
            return self(image.detach(), masks, valid)

    @contextlib.contextmanager
    def averaged(self) -> Iterator[None]:
        """Run with the averaged weights inside (as they are without EMA)."""
        if self.ema is None:
            yield
            return
        with self.ema.applied(dict(self.named_parameters())):
            yield

    def update_average(self) -> None:
        """Average the current weights in (nothing without EMA)."""
        if self.ema is not None:
            self.ema.update(dict(self.named_parameters()))

    def state_from_student(
            self, student_state: Dict[str, torch.Tensor]
    ) -> Tuple[Dict[str, torch.Tensor], str]:
        """The network's entries of this teacher's state dict from a loaded
        student's, so that IR2 starts as a copy of a trained model.

        Entries whose name or shape the network lacks are skipped; the
        zeroed output layer keeps its zeros, so the teacher is still the
        identity.

        Args:
            student_state (dict[str, Tensor]): The student's state dict
                (its own key names).

        Returns:
            tuple[dict[str, Tensor], str]: Entries under ``network.`` and a
            log line saying what was copied.
        """
        own = self.network.state_dict()
        state = {}
        for name, value in student_state.items():
            if name not in own or own[name].shape != value.shape:
                continue
            if self.output_layer is not None and name.startswith(
                    self.output_layer + '.'):
                value = own[name]  # stays zero: IR2 starts as the identity
            state['network.' + name] = value
        how = (f'its zeroed {self.output_layer!r}'
               if self.output_layer else 'the zero gate')
        return state, (
            f'IR2 (the teacher) initialised from the loaded student weights '
            f'({len(state)}/{len(own)} tensors); {how} keeps I2 == I1 until '
            'IR2 learns to improve on it')
