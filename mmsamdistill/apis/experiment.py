"""Train then test one config through ``tools/train.py`` and ``tools/test.py``.

The demo and the ablation go through the same tools a user runs, so what
they measure is what a user gets. A finished run whose settings match is
reused, which makes long ablations resumable.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

from ..utils import dump_json_atomic

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SETTINGS_FILE = 'run_settings.json'
METRICS_FILE = 'test_metrics.json'


@dataclass
class RunResult:
    """What one train-and-test run produced.

    Args:
        work_dir (str): The run's work dir.
        checkpoint (str): The last checkpoint.
        metrics (dict): Test metrics written by ``tools/test.py --out``.
        train_seconds (float): Wall time of training.
        test_seconds (float): Wall time of testing.
    """
    work_dir: str
    checkpoint: str
    metrics: Dict[str, float]
    train_seconds: float
    test_seconds: float


def _run(args: Sequence[str], log_path: str) -> float:
    """Run a tool with its output appended to ``log_path``; time it."""
    start = time.perf_counter()
    with open(log_path, 'a', encoding='utf-8') as log:
        log.write(f'$ {" ".join(args)}\n')
        log.flush()
        code = subprocess.call(
            list(args), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        raise RuntimeError(f'{" ".join(args)} exited with {code}; see '
                           f'{log_path}')
    return time.perf_counter() - start


def run_train_test(config: str,
                   work_dir: str,
                   cfg_options: Sequence[str] = (),
                   python: Optional[str] = None,
                   reuse: bool = True) -> RunResult:
    """Train ``config`` and test its last checkpoint.

    Args:
        config (str): Config path (relative to the repository root or
            absolute).
        work_dir (str): Work dir of the run (created).
        cfg_options (Sequence[str]): ``key=value`` overrides passed to both
            tools, e.g. ``randomness.seed=1``.
        python (str, optional): Interpreter. Defaults to this one.
        reuse (bool): Return a finished run with the same config path and
            overrides instead of running it again (edits inside the config
            file are not detected: use another ``work_dir`` after editing).
            Defaults to True.

    Returns:
        RunResult: Paths, test metrics and timings.
    """
    python = python or sys.executable
    work_dir = osp.abspath(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    settings = dict(config=config, cfg_options=list(cfg_options))
    settings_path = osp.join(work_dir, SETTINGS_FILE)
    if reuse and osp.isfile(settings_path):
        with open(settings_path, encoding='utf-8') as f:
            done = json.load(f)
        if {k: done.get(k) for k in settings} == settings:
            return RunResult(**{k: done[k] for k in RunResult.__annotations__})
    log_path = osp.join(work_dir, 'tools.log')
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    train_seconds = _run([
        python, 'tools/train.py', config, '--work-dir', work_dir, *options
    ], log_path)
    with open(osp.join(work_dir, 'last_checkpoint'), encoding='utf-8') as f:
        checkpoint = f.read().strip()
    metrics_path = osp.join(work_dir, METRICS_FILE)
    test_seconds = _run([
        python, 'tools/test.py', config, checkpoint, '--work-dir', work_dir,
        '--out', metrics_path, *options
    ], log_path)
    with open(metrics_path, encoding='utf-8') as f:
        metrics = json.load(f)
    result = RunResult(work_dir, checkpoint, metrics, train_seconds,
                       test_seconds)
    # Written last: its presence marks the run finished.
    dump_json_atomic(dict(settings, **result.__dict__), settings_path)
    return result
