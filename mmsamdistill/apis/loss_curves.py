"""Loss curves of training runs, read from MMEngine's scalar logs."""
import glob
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from ..utils import write_atomic


def read_scalars(work_dir: str) -> Dict[str, List[Tuple[int, float]]]:
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


def plot_loss_curves(path: str,
                     curves: Sequence[Tuple[str, List[Tuple[int, float]]]],
                     title: str = 'training loss') -> None:
    """Plot named (iteration, value) series into one PNG (atomically).

    Args:
        path (str): Output PNG.
        curves (Sequence[tuple[str, list]]): (label, series) pairs.
        title (str): Plot title.
    """
    import matplotlib
    matplotlib.use('Agg')  # files only, no display needed
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for label, series in curves:
        steps, values = zip(*series)
        axis.plot(steps, values, label=label)
    axis.set_xlabel('iteration')
    axis.set_ylabel('loss')
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    write_atomic(path, lambda tmp: figure.savefig(tmp, dpi=120))
    plt.close(figure)
