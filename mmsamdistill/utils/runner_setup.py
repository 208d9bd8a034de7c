"""What tools/train.py and tools/test.py share: arguments, config, runner."""
import argparse
import os
import os.path as osp
import re
import warnings
from typing import Iterable, List

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


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


# Warnings that third-party packages print on every tool run (import-time
# deprecations of diffusers, transformers and torch.jit as MMagic imports
# them, setuptools' pkg_resources notice as mmengine resolves `mmagic::`
# paths). The tools hide these -- and only these, never ours -- so that
# their own output shows; the package itself filters nothing.
THIRD_PARTY_WARNINGS = (
    dict(category=FutureWarning,
         module=r'(diffusers|transformers|huggingface_hub|torch\.jit)(\.|$)'),
    dict(category=UserWarning, message=r'pkg_resources is deprecated'),
    dict(category=DeprecationWarning, message=r'.*pkg_resources'),
    dict(category=DeprecationWarning, module=r'pkg_resources(\.|$)'),
    dict(category=DeprecationWarning, message=r'`np\.bool8` is a deprecated'),
)


_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def is_third_party_warning(message: warnings.WarningMessage) -> bool:
    """Whether a caught warning is one of :data:`THIRD_PARTY_WARNINGS`."""
    if osp.abspath(message.filename).startswith(_PACKAGE_DIR + os.sep):
        return False  # ours are always shown
    module = osp.splitext(message.filename)[0].replace(os.sep, '.')
    for rule in THIRD_PARTY_WARNINGS:
        if not issubclass(message.category, rule['category']):
            continue
        if 'message' in rule and not re.match(
                rule['message'], str(message.message)):
            continue
        if 'module' in rule and not re.search(
                r'(^|\.)' + rule['module'], module):
            continue
        return True
    return False


def filter_third_party_warnings(
        caught: Iterable[warnings.WarningMessage] = ()) -> List:
    """Hide the known third-party warnings from here on, and re-show the
    other warnings ``caught`` while the tool imported its packages.

    A tool imports ``mmsamdistill`` inside ``warnings.catch_warnings(
    record=True)`` and passes the record here, so that MMagic's import-time
    warnings are dropped but none of ours is lost.

    Args:
        caught (Iterable[WarningMessage]): Warnings recorded on import.

    Returns:
        list[WarningMessage]: The warnings shown again.
    """
    for rule in THIRD_PARTY_WARNINGS:
        warnings.filterwarnings('ignore', **rule)
    shown = [w for w in caught if not is_third_party_warning(w)]
    for w in shown:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno,
                             w.file, w.line)
    return shown


def resolve_config_path(path: str) -> str:
    """The file of a config path, ``mmagic::<algo>/<config>.py`` included.

    ``Config.fromfile`` resolves ``package::`` paths only inside ``_base_``;
    the tools take them on the command line too, as the README's commands
    do.

    Args:
        path (str): A file path, or ``<package>::<relative config path>``.

    Returns:
        str: A path to an existing file.

    Raises:
        FileNotFoundError: The config does not exist.
    """
    if '::' not in path or osp.isfile(path):
        return path
    try:
        resolved, _ = Config._get_cfg_path(path, '')
    except (AssertionError, ValueError, ModuleNotFoundError,
            FileNotFoundError) as err:
        raise FileNotFoundError(
            f'cannot resolve the config {path}: {err}') from err
    if not osp.isfile(resolved):
        raise FileNotFoundError(
            f'{path} names {resolved}, which does not exist; see the '
            'package\'s configs folder for the available names')
    return resolved


def load_runner_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the arguments of
    :func:`add_runner_arguments`, as MMagic's tools do.

    Args:
        args (argparse.Namespace): Parsed arguments with ``config``.

    Returns:
        Config: The config, with ``launcher`` and ``work_dir`` set.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(resolve_config_path(args.config))
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


def use_atomic_checkpoints(cfg: Config) -> None:
    """Make the checkpoint hook write atomically (temp file + rename).

    Its local checkpoints get the ``atomic_local`` file backend
    (:class:`~mmsamdistill.engine.AtomicLocalBackend`) unless the config
    chose a backend (or a remote ``out_dir``) itself.

    Args:
        cfg (Config): The run's config, changed in place.
    """
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if not isinstance(hook, dict) or hook.get('backend_args') or hook.get(
            'file_client_args') or '://' in str(hook.get('out_dir') or ''):
        return
    hook['backend_args'] = dict(backend='atomic_local')


def build_runner(cfg: Config) -> Runner:
    """Build the config's runner: ``runner_type`` if set, else mmengine's.

    Checkpoints (``load_from``, ``--resume``) load weights-only through
    mmengine's own loader; importing ``mmsamdistill`` allow-lists the few
    classes mmengine stores in them (:mod:`mmsamdistill.engine`). Local
    checkpoints are written atomically (:func:`use_atomic_checkpoints`).

    Args:
        cfg (Config): The run's config.

    Returns:
        Runner: The runner, ready to ``train()`` or ``test()``.
    """
    use_atomic_checkpoints(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
