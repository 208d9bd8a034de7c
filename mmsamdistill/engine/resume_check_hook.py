"""Say what changed when a run is resumed with another config."""
import re
from typing import Any, Dict, Iterator, List, Tuple

from mmagic.registry import HOOKS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmengine.runner.checkpoint import find_latest_checkpoint

from .checkpoint_keys_hook import CheckpointMismatchError, checkpoint_mismatches

#: Config sections compared on resume, by what they describe.
SECTIONS = dict(
    model=('model', ),
    data=('train_dataloader', ),
    schedule=('train_cfg', 'optim_wrapper', 'param_scheduler'))


class ResumeMismatchError(CheckpointMismatchError):
    """A run cannot resume from a checkpoint of another model or schedule."""


def _flatten(value: Any, prefix: str = '') -> Iterator[Tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f'{prefix}{key}.')
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _flatten(item, f'{prefix}{index}.')
    else:
        yield prefix[:-1], value


def config_changes(saved: Config, current: Config) -> Dict[str, List[str]]:
    """What differs between two configs, per :data:`SECTIONS`.

    Args:
        saved (Config): The config stored in the checkpoint.
        current (Config): The config of this run.

    Returns:
        dict[str, list[str]]: Section name to ``key: old -> new`` lines.
    """
    changes = {}
    for name, keys in SECTIONS.items():
        old = dict(_flatten({k: saved.get(k) for k in keys}))
        new = dict(_flatten({k: current.get(k) for k in keys}))
        lines = [
            f'{key}: {old.get(key, "<unset>")!r} -> '
            f'{new.get(key, "<unset>")!r}'
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ]
        if lines:
            changes[name] = lines
    return changes


def _normalised(cfg: Config) -> Config:
    """``cfg`` as it reads back from its text (tuples become lists...)."""
    return Config.fromstring(cfg.pretty_text, file_format='.py')


@HOOKS.register_module()
class ResumeCheckHook(Hook):
    """Compare a resumed checkpoint with the run's config and model.

    mmengine stores the run's config in every checkpoint (``meta.cfg``) but
    resumes whatever the new config says, loading the weights non-strictly.
    This hook says what changed in the model, the data and the schedule,
    and refuses what cannot work: weights of another architecture or width,
    another optimizer or train loop type, a ``max_iters`` (``max_epochs``)
    the checkpoint has already reached, or a file that is no training
    checkpoint. Optimizer settings such as ``lr`` resume from the checkpoint
    (its optimizer and scheduler state win), which the message says.

    ``tools/train.py`` registers it; with a stock runner add
    ``dict(type='ResumeCheckHook')`` to ``custom_hooks``.
    """

    priority = 'VERY_HIGH'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return
        source = runner.cfg.get('load_from') or find_latest_checkpoint(
            runner.work_dir)
        meta = checkpoint.get('meta')
        if not isinstance(meta, dict) or 'iter' not in meta:
            raise ResumeMismatchError(
                f'Cannot resume from {source}: it is not a training '
                'checkpoint (no iteration, optimizer or scheduler state; an '
                'exported student or a released model?). Start a new run '
                'from its weights with load_from (without --resume).')
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = checkpoint.get('state_dict', {})
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        problems = checkpoint_mismatches(model.state_dict(), state, ())
        if problems:
            raise ResumeMismatchError(
                f'Cannot resume from {source}: the model of this config does '
                'not fit its weights (' + '; '.join(problems) + '). Resume '
                'with the config the run was trained with, or start a new '
                'run with load_from.')
        self._check_schedule(runner, meta, source)
        saved_text = meta.get('cfg')
        if not saved_text:
            return
        try:
            saved = Config.fromstring(saved_text, file_format='.py')
            changes = config_changes(saved, _normalised(runner.cfg))
        except Exception as err:  # an old or hand-made config text
            runner.logger.warning(
                f'Resuming from {source}: its stored config could not be '
                f'compared with this one ({err}).')
            return
        self._refuse_impossible(changes, source)
        for name, lines in changes.items():
            more = f' and {len(lines) - 10} more' if len(lines) > 10 else ''
            note = (' The optimizer and scheduler state resume from the '
                    'checkpoint, so their settings (lr...) keep its values.'
                    if name == 'schedule' else '')
            runner.logger.warning(
                f'Resuming from {source} with a changed {name}: ' +
                '; '.join(lines[:10]) + more + '.' + note)

    @staticmethod
    def _check_schedule(runner, meta: dict, source: str) -> None:
        loop = runner.train_loop
        unit = 'epoch' if isinstance(loop, EpochBasedTrainLoop) else 'iter'
        done, last = meta.get(unit), getattr(loop, f'max_{unit}s', None)
        if done is not None and last is not None and done >= last:
            raise ResumeMismatchError(
                f'Cannot resume from {source}: it is at {unit} {done}, and '
                f'this config ends at max_{unit}s={last}, so there is '
                f'nothing left to train. Raise max_{unit}s (e.g. '
                f'--cfg-options train_cfg.max_{unit}s=N) to go on.')

    @staticmethod
    def _refuse_impossible(changes: Dict[str, List[str]],
                           source: str) -> None:
        fatal = [
            line for line in changes.get('schedule', [])
            if re.match(r'(train_cfg\.type|train_cfg\.by_epoch|'
                        r'optim_wrapper\.optimizer\.type):', line)
        ]
        if fatal:
            raise ResumeMismatchError(
                f'Cannot resume from {source}: ' + '; '.join(fatal) + '. '
                'Its optimizer and loop state cannot be carried over; start '
                'a new run with load_from (weights only) instead.')
