"""Check the datasets' files when a run starts, not when it meets them."""
import time

from mmagic.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from ..datasets.data_check import check_dataset


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Run :func:`~mmsamdistill.datasets.data_check.check_dataset` on the
    datasets of the loops this run built, before the first iteration.

    A truncated image, an LQ/GT pair of different sizes, an empty folder or
    a mask cache made for other images then stops the run at once, with the
    files and the fix, instead of hours later inside a decoder (or, for an
    empty training set, never: mmengine's infinite sampler waits forever).
    ``tools/train.py`` and ``tools/test.py`` register it; with a stock
    runner add ``dict(type='DataCheckHook')`` to ``custom_hooks``.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        start = time.perf_counter()
        checked = 0
        for name in ('train', 'val', 'test'):
            loop = getattr(runner, f'_{name}_loop', None)
            dataset = getattr(getattr(loop, 'dataloader', None), 'dataset',
                              None)
            if not isinstance(loop, BaseLoop) or dataset is None:
                continue
            for note in check_dataset(dataset, f'{name}_dataloader'):
                runner.logger.warning(note)
            checked += len(dataset)
        if checked:
            runner.logger.info(
                f'DataCheckHook: {checked} samples checked (readable, '
                'complete, pair sizes, masks) in '
                f'{time.perf_counter() - start:.1f} s')
