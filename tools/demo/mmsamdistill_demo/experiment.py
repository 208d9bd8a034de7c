"""Train then test one config through ``tools/train.py`` and ``tools/test.py``.

The demo and the ablation go through the same tools a user runs, so what
they measure is what a user gets. A finished run whose settings match (the
config's resolved content and the overrides) is reused, which makes long
ablations resumable.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import mmsamdistill
from mmsamdistill.utils import dump_json_atomic, load_json_if_exists
from .progress import run_logged


def _tools_root() -> str:
    """The folder holding ``tools/`` and ``configs/``.

    The source checkout this package sits in (``tools/demo/``), which an
    editable install imports; a regular install imports the package from
    site-packages, and finds the tools and configs that mmsamdistill ships
    in ``mmsamdistill/.mim``.
    """
    checkout = osp.dirname(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    if osp.isfile(osp.join(checkout, 'tools', 'train.py')):
        return checkout
    return osp.join(osp.dirname(osp.abspath(mmsamdistill.__file__)), '.mim')


REPO_ROOT = _tools_root()
SETTINGS_FILE = 'run_settings.json'
METRICS_FILE = 'test_metrics.json'


@dataclass
class RunResult:
    """What one train-and-test run produced.

    Args:
        work_dir (str): The run's work dir.
        checkpoint (str): The last checkpoint.
        metrics (dict): Test metrics written by ``tools/test.py --out``
            (empty when the run was not tested).
        train_seconds (float): Wall time of training.
        test_seconds (float): Wall time of testing.
    """
    work_dir: str
    checkpoint: str
    metrics: Dict[str, float]
    train_seconds: float
    test_seconds: float


def _run(args: Sequence[str], log_path: str, stage: str) -> float:
    """Run a tool with its output appended to ``log_path`` and its progress
    on the console; time it."""
    start = time.perf_counter()
    code = run_logged(args, log_path, stage, cwd=REPO_ROOT)
    if code != 0:
        raise RuntimeError(f'{" ".join(args)} exited with {code}; see '
                           f'{log_path}')
    return time.perf_counter() - start


def _stage_name(work_dir: str) -> str:
    """A run's name on the console: its work dir, relative to the
    repository's ``work_dirs`` when it is inside."""
    runs = osp.join(REPO_ROOT, 'work_dirs')
    if work_dir.startswith(runs + os.sep):
        return osp.relpath(work_dir, runs)
    return work_dir


def config_digest(config: str) -> Optional[str]:
    """A digest of the resolved config (bases included): edits change it.

    Returns None when the config file does not exist.
    """
    path = config if osp.isabs(config) else osp.join(REPO_ROOT, config)
    if not osp.isfile(path):
        return None
    from mmengine import Config
    text = json.dumps(Config.fromfile(path).to_dict(), sort_keys=True,
                      default=repr)
    return hashlib.sha1(text.encode()).hexdigest()


def run_train_test(config: str,
                   work_dir: str,
                   cfg_options: Sequence[str] = (),
                   python: Optional[str] = None,
                   reuse: bool = True,
                   test: bool = True) -> RunResult:
    """Train ``config`` and test its last checkpoint.

    Args:
        config (str): Config path (relative to the repository root or
            absolute).
        work_dir (str): Work dir of the run (created).
        cfg_options (Sequence[str]): ``key=value`` overrides passed to both
            tools, e.g. ``randomness.seed=1``.
        python (str, optional): Interpreter. Defaults to this one.
        reuse (bool): Return a finished run with the same config (path,
            resolved content, bases included) and overrides instead of
            running it again. Defaults to True.
        test (bool): Run ``tools/test.py`` on the last checkpoint. Defaults
            to True.

    Returns:
        RunResult: Paths, test metrics and timings.
    """
    python = python or sys.executable
    work_dir = osp.abspath(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    settings = dict(config=config, config_digest=config_digest(config),
                    cfg_options=list(cfg_options), test=test)
    settings_path = osp.join(work_dir, SETTINGS_FILE)
    done = load_json_if_exists(settings_path) if reuse else None
    if done is not None and {
            k: done.get(k, True if k == 'test' else None)
            for k in settings
    } == settings:
        print(f'{_stage_name(work_dir)}: finished run reused', flush=True)
        return RunResult(**{k: done[k] for k in RunResult.__annotations__})
    if osp.isfile(settings_path):  # other settings: this run is redone
        os.remove(settings_path)
    log_path = osp.join(work_dir, 'tools.log')
    stage = _stage_name(work_dir)
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    train_seconds = _run([
        python, 'tools/train.py', config, '--work-dir', work_dir, *options
    ], log_path, f'{stage} train')
    with open(osp.join(work_dir, 'last_checkpoint'), encoding='utf-8') as f:
        checkpoint = f.read().strip()
    metrics, test_seconds = {}, 0.
    if test:
        metrics_path = osp.join(work_dir, METRICS_FILE)
        test_seconds = _run([
            python, 'tools/test.py', config, checkpoint, '--work-dir',
            work_dir, '--out', metrics_path, *options
        ], log_path, f'{stage} test')
        with open(metrics_path, encoding='utf-8') as f:
            metrics = json.load(f)
    result = RunResult(work_dir, checkpoint, metrics, train_seconds,
                       test_seconds)
    # Written last: its presence marks the run finished.
    dump_json_atomic(dict(settings, **result.__dict__), settings_path)
    return result


def read_validation(work_dir: str) -> List[Dict[str, float]]:
    """The validation records of the newest training log in ``work_dir``.

    Args:
        work_dir (str): A work dir written by ``tools/train.py``.

    Returns:
        list[dict]: One dict per validation (``step`` and the metrics, e.g.
        ``PSNR`` and ``teacher/PSNR``), oldest first; empty if none.
    """
    logs = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    # tools/test.py logs into the same work dir without losses: take the
    # newest log that has losses, and its records that have none.
    for log in reversed(logs):
        with open(log, encoding='utf-8') as f:
            records = [json.loads(line) for line in f if line.strip()]
        if any(k.startswith('loss') for r in records for k in r):
            return [
                r for r in records
                if not any(k.startswith('loss') or k == 'lr' for k in r)
            ]
    return []
