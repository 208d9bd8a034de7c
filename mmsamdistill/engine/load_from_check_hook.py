"""Stop a training whose ``load_from`` does not fit the student."""
from mmagic.registry import HOOKS

from .checkpoint_keys_hook import CheckpointKeysHook, CheckpointMismatchError

#: The config switch for an intended partial ``load_from``.
PARTIAL_LOAD_SWITCH = 'allow_partial_load'


@HOOKS.register_module()
class LoadFromCheckHook(CheckpointKeysHook):
    """Raise when ``load_from`` does not hold every student weight.

    mmengine loads ``load_from`` non-strictly and only logs what is missing,
    so a checkpoint of another architecture or width would train on from
    random weights while the user believes they fine-tune. Every weight
    under ``prefixes`` (IR1, the stock model's ``generator``) must be in the
    checkpoint with the model's shape, and the checkpoint may hold no other
    weights there. The parts only a cascade has -- its ``teacher.*`` (IR2,
    SPF, the gate) -- are not checked: a stock
    checkpoint starts them (IR2 from the student, see the restorer).

    For an intended partial load (a new head, a wider block), set
    ``allow_partial_load = True`` in the config: the run then goes on and
    logs, as a warning, how much matched. ``--resume`` is not checked here
    (:class:`ResumeCheckHook` does). ``tools/train.py`` registers this hook;
    with a stock runner add ``dict(type='LoadFromCheckHook')`` to
    ``custom_hooks``.

    Args:
        prefixes (Sequence[str]): Key prefixes that must match. Defaults to
            ``('generator.',)``.
    """

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if getattr(runner, '_resume', False):
            return
        own, state, problems = self.compare(runner, checkpoint)
        if not problems:
            return
        scoped = [k for k in own if k.startswith(self.prefixes)] or list(own)
        matched = sum(
            1 for k in scoped if k in state and hasattr(state[k], 'shape')
            and tuple(state[k].shape) == tuple(own[k].shape))
        what = ', '.join(self.prefixes)
        summary = (f'load_from {runner.cfg.get("load_from")}: {matched} of '
                   f'{len(scoped)} {what} tensors of the model match the '
                   'checkpoint (names and shapes): ' + '; '.join(problems))
        if runner.cfg.get(PARTIAL_LOAD_SWITCH, False):
            runner.logger.warning(
                '\n' + '!' * 72 + f'\nPARTIAL LOAD ({PARTIAL_LOAD_SWITCH}='
                f'True): {summary}.\nThe weights that do not match start '
                'from their initialisation.\n' + '!' * 72)
            return
        raise CheckpointMismatchError(
            f'{summary}. Was it trained with this architecture and widths? '
            'Point load_from at a checkpoint of this model, or, for an '
            f'intended partial load, set `{PARTIAL_LOAD_SWITCH} = True` in '
            f'the config (--cfg-options {PARTIAL_LOAD_SWITCH}=True).')
