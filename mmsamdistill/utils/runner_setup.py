"""What tools/train.py and tools/test.py share: runner and launcher set-up."""
import os

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine import TrustedResumeRunner


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
