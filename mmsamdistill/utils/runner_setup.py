"""What tools/train.py and tools/test.py share: arguments, config, runner."""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine import TrustedResumeRunner


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs, e.g. '
        'train_cfg.max_iters=10')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_runner_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the arguments of
    :func:`add_runner_arguments`, as MMagic's tools do.

    Args:
        args (argparse.Namespace): Parsed arguments with ``config``.

    Returns:
        Config: The config, with ``launcher`` and ``work_dir`` set.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def setup_distributed_backend(cfg: Config) -> None:
    """Make a ``--launcher pytorch`` run work on machines without CUDA.

    Stock MMagic configs ask for NCCL, which needs GPUs; on a CPU machine the
    processes talk over gloo instead, so `tools/dist_train.sh CFG 2` also runs
    (slowly) on a laptop or a CI machine.

    Args:
        cfg (Config): The run's config, changed in place.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    # DDP on CPU modules takes no device_ids (mmengine passes LOCAL_RANK).
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    # mmengine's pytorch launcher pins a CUDA device per rank; on CPU the
    # process group is opened here so the Runner finds it ready.
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))


def build_runner(cfg: Config) -> Runner:
    """Build the config's runner; :class:`TrustedResumeRunner` by default.

    Args:
        cfg (Config): The run's config.

    Returns:
        Runner: The runner, ready to ``train()`` or ``test()``.
    """
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return TrustedResumeRunner.from_cfg(cfg)
