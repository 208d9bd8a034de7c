"""Train an MMagic model, with mmsamdistill's components registered.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Checkpoints (``--resume``, ``load_from``) load weights-only. A non-finite
loss or weight stops the run before it is checkpointed (NonFiniteCheckHook).
"""
import argparse
import warnings

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  (registers components, ckpt loader)
from mmsamdistill.engine import NonFiniteCheckHook, fetch_remote
from mmsamdistill.utils import (add_runner_arguments, build_runner,
                                filter_third_party_warnings,
                                load_runner_config, setup_distributed_backend)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train an editing model',
        epilog='Checkpoints given by --resume or load_from are loaded '
        'weights-only (tensors and the few classes mmengine stores; '
        'anything else is refused). A NaN or infinite loss or weight stops '
        'training with an error naming the term and the iteration, before '
        'that state is checkpointed.')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT (loaded weights-only), or without a value '
        'from the latest checkpoint in the work dir')
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
    filter_third_party_warnings(_import_warnings)
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

    if cfg.get('load_from'):
        # downloaded here: mmengine's URL loader would unpickle in full
        cfg.load_from = fetch_remote(cfg.load_from)

    setup_distributed_backend(cfg)
    runner = build_runner(cfg)
    if not any(isinstance(h, NonFiniteCheckHook) for h in runner.hooks):
        runner.register_hook(NonFiniteCheckHook())
    runner.train()


if __name__ == '__main__':
    main()
