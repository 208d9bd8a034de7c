"""Train an MMagic model, with mmsamdistill's components registered.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse

import mmsamdistill  # noqa: F401  (registers components, checkpoint loader)
from mmsamdistill.utils import (add_runner_arguments, build_runner,
                                load_runner_config, setup_distributed_backend)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an editing model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or without a value from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='enable mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real batch size over the '
        "config's auto_scale_lr.base_batch_size")
    add_runner_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args)

    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, '
                             f'the config has {wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.auto_scale_lr:
        base = cfg.get('auto_scale_lr', {}).get('base_batch_size')
        if base is None:
            raise ValueError(
                '--auto-scale-lr needs the batch size the learning rate was '
                'tuned for; add `auto_scale_lr = dict(base_batch_size=N)` to '
                f'{args.config} (N = GPUs x samples per GPU, e.g. 64 for '
                '8xb8 configs)')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume

    setup_distributed_backend(cfg)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
