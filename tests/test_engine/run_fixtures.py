"""A tiny stock NAFNet run, trained in-process, shared by the engine tests."""
import glob
import os.path as osp

from mmengine.config import Config

from mmsamdistill.utils import build_runner
from tests.helpers import tiny_nafnet_config


def config_in(folder, data_root, max_iters=2, extra=''):
    """The tiny NAFNet config in its own folder (``extra`` appended)."""
    folder.mkdir(parents=True, exist_ok=True)
    return tiny_nafnet_config(folder, data_root, max_iters=max_iters,
                              extra=extra)


def runner_of(config, work_dir, **changes):
    """A runner of ``config`` writing to ``work_dir``, with ``changes``
    (dotted keys) merged in."""
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(changes)
    return build_runner(cfg)


def log_text(work_dir) -> str:
    """Everything the runs in ``work_dir`` logged."""
    return ''.join(
        open(p, encoding='utf-8').read()
        for p in glob.glob(osp.join(str(work_dir), '*', '*.log')))
