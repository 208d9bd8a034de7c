"""Loss curves of training runs, read from MMEngine's scalar logs."""
import glob
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from mmsamdistill.utils import write_atomic


# (iteration, value) points of one logged scalar.
Series = List[Tuple[int, float]]


def read_scalars(work_dir: str) -> Dict[str, Series]:
    """The training scalars of the newest run in ``work_dir``.

    Args:
        work_dir (str): A work dir written by ``tools/train.py`` (MMEngine's
            ``LocalVisBackend`` logs ``<timestamp>/vis_data/scalars.json``).

    Returns:
        dict[str, list[tuple[int, float]]]: name -> (iteration, value).
    """
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    # Test runs log into the same work dir without losses: take the newest
    # log that has any.
    for log in reversed(logs):
        series: Dict[str, List[Tuple[int, float]]] = {}
        with open(log, encoding='utf-8') as f:
            for line in f:
                record = json.loads(line)
                step = record.get('step')
                for key, value in record.items():
                    if key.startswith('loss') and isinstance(
                            value, (int, float)):
                        series.setdefault(key, []).append((step, value))
        if series:
            return series
    raise FileNotFoundError(f'no training losses logged under {work_dir}')


def plot_loss_curves(
        path: str,
        panels: Sequence[Tuple[str, Sequence[Tuple[str, Series]]]],
        log_scale: Sequence[bool] = ()) -> None:
    """Plot named (iteration, value) series, one panel per group (atomically).

    Args:
        path (str): Output PNG.
        panels (Sequence): (title, [(label, series), ...]) per panel, e.g.
            the pixel losses in one and the distillation terms (orders of
            magnitude smaller) in another.
        log_scale (Sequence[bool]): Per panel, a log y axis (non-positive
            values are left out). Defaults to linear everywhere.
    """
    import matplotlib
    matplotlib.use('Agg')  # files only, no display needed
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for index, (axis, (title, curves)) in enumerate(zip(axes[0], panels)):
        log = index < len(log_scale) and log_scale[index]
        for label, series in curves:
            points = [(s, v) for s, v in series if v > 0 or not log]
            if points:
                steps, values = zip(*points)
                axis.plot(steps, values, label=label)
        if log:
            axis.set_yscale('log')
        axis.set_xlabel('iteration')
        axis.set_ylabel('loss')
        axis.set_title(title)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    write_atomic(path, lambda tmp: figure.savefig(tmp, dpi=120))
    plt.close(figure)
