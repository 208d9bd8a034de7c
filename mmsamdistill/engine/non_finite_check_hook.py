"""Stop training at the first non-finite loss or weight."""
import math
from typing import Dict, List, Optional

import torch
from mmagic.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class NonFiniteLossError(FloatingPointError):
    """A loss term or a weight became NaN or infinite during training."""


def _value(value) -> Optional[float]:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return None
        value = value.detach().float().item()
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Raise :class:`NonFiniteLossError` when a loss or a weight is not finite.

    After each training iteration, before the logger, EMA or checkpoint hooks
    see its state, the hook checks every ``loss*`` value of the iteration's
    outputs (``loss``, ``loss_recon1``, ``loss_recon2``, ``loss_spd``,
    ``loss_sgr``...) and, every ``param_interval`` iterations, the weights
    the optimizer just updated (a non-finite gradient shows up there). The
    error names the terms (or weights) and the iteration, so no checkpoint
    of a NaN state is saved and ``last_checkpoint`` keeps pointing at the
    last finite one: ``--resume`` continues from there (with a lower learning
    rate, say).

    With ``AmpOptimWrapper`` (``--amp``) the dynamic loss scaler already
    skips a step whose gradients overflow, leaving the weights unchanged:
    such a step is tolerated (and logged) unless ``max_amp_skips`` steps in a
    row are skipped.

    ``tools/train.py`` adds this hook to every run; a config may list it in
    ``custom_hooks`` to change its settings.

    Args:
        param_interval (int): Check the weights every this many iterations
            (0: never). Defaults to 1.
        max_amp_skips (int): Consecutive non-finite AMP steps tolerated.
            Defaults to 10.
    """

    priority = 'ABOVE_NORMAL'  # before EMA, logger, scheduler, checkpoint

    def __init__(self, param_interval: int = 1,
                 max_amp_skips: int = 10) -> None:
        self.param_interval = param_interval
        self.max_amp_skips = max_amp_skips
        self._amp_skips = 0

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        iteration = runner.iter + 1
        bad = self._non_finite_losses(outputs or {})
        if bad and self._amp_skipped(runner, iteration, bad):
            return
        self._amp_skips = 0
        if bad:
            raise NonFiniteLossError(
                f'Non-finite loss at iteration {iteration}: {bad}. Training '
                'stopped before this state was checkpointed; lower the '
                'learning rate (or the loss weights) and resume from the '
                'last checkpoint.')
        if self.param_interval and iteration % self.param_interval == 0:
            weights = self._non_finite_weights(runner)
            if weights:
                raise NonFiniteLossError(
                    f'Non-finite weights after iteration {iteration} (the '
                    f'gradient of this step was not finite): '
                    f'{", ".join(weights[:5])}'
                    f'{" ..." if len(weights) > 5 else ""}. Training stopped '
                    'before this state was checkpointed; lower the learning '
                    'rate and resume from the last checkpoint.')

    @staticmethod
    def _non_finite_losses(outputs: Dict) -> str:
        bad = []
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            number = _value(value)
            if number is not None and not math.isfinite(number):
                bad.append(f'{key}={number}')
        return ', '.join(bad)

    def _amp_skipped(self, runner, iteration: int, bad: str) -> bool:
        """Whether an AMP loss scaler skipped this step (and that is ok)."""
        from mmengine.optim import AmpOptimWrapper
        wrappers = getattr(runner.optim_wrapper, 'values', None)
        wrappers = list(wrappers()) if callable(wrappers) else [
            runner.optim_wrapper
        ]
        if not all(isinstance(w, AmpOptimWrapper) for w in wrappers):
            return False
        if self._non_finite_weights(runner):
            return False
        self._amp_skips += 1
        if self._amp_skips >= self.max_amp_skips:
            return False
        runner.logger.warning(
            f'Non-finite loss at iteration {iteration} ({bad}): the AMP loss '
            f'scaler skipped the step ({self._amp_skips} in a row, at most '
            f'{self.max_amp_skips}).')
        return True

    @staticmethod
    def _non_finite_weights(runner) -> List[str]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        named = [(name, param) for name, param in model.named_parameters()
                 if param.requires_grad]
        if not named:
            return []
        # one reduction per tensor and a single synchronisation
        peaks = torch._foreach_norm([p.detach() for _, p in named],
                                    float('inf'))
        device = peaks[0].device
        finite = torch.isfinite(
            torch.stack([p.float().to(device) for p in peaks]))
        if bool(finite.all()):
            return []
        return [name for (name, _), ok in zip(named, finite.tolist())
                if not ok]
