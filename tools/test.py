"""Test an MMagic model from a checkpoint and optionally dump the metrics.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--out metrics.json]
        [--work-dir DIR] [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse

import mmsamdistill  # noqa: F401  (registers components, checkpoint loader)
from mmengine.dist import is_main_process
from mmsamdistill.engine import DumpTestMetricsHook
from mmsamdistill.utils import (add_runner_arguments, build_runner,
                                load_runner_config, setup_distributed_backend)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an editing model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='write the test metrics to this .json file')
    add_runner_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args)
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
