"""Test an MMagic model from a checkpoint and optionally dump the metrics.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--out metrics.json]
        [--work-dir DIR] [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse
import os
import os.path as osp

import mmsamdistill  # noqa: F401  registers our components and checkpoint loader
from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmsamdistill.engine import DumpTestMetricsHook
from mmsamdistill.utils import build_runner, setup_distributed_backend


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an editing model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='write the test metrics to this .json file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False

    setup_distributed_backend(cfg)
    runner = build_runner(cfg)
    if args.out:
        runner.register_hook(DumpTestMetricsHook(args.out))
    runner.test()
    if args.out and is_main_process():
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    main()
