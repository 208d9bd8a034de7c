"""Train an MMagic model, with mmsamdistill's components registered.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Checkpoints (``--resume``, ``load_from``) load weights-only. A non-finite
loss or weight stops the run before it is checkpointed (NonFiniteCheckHook).
A ``load_from`` that lacks weights of the model's generator, a ``--resume``
with a config of another model or schedule, or a dataset with broken files
stops the run at its start, with what is wrong and the fix. Checkpoints are
written atomically; Ctrl-C or SIGTERM stops the run cleanly and prints how
to resume it; a second training on the same work_dir is refused.
"""
import argparse
import sys
import warnings

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  (registers components, ckpt loader)
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmsamdistill.datasets.data_check import (DataCheckError,
                                              check_data_folders)
from mmsamdistill.engine import (CheckpointMismatchError, DataCheckHook,
                                 LoadFromCheckHook, NonFiniteCheckHook,
                                 ResumeCheckHook, fetch_remote,
                                 is_load_failure, refusal_message)
from mmsamdistill.utils import (WorkDirBusyError, add_runner_arguments,
                                build_runner, exit_code,
                                filter_third_party_warnings, interrupt_behind,
                                load_runner_config, setup_distributed_backend,
                                stop_on_sigterm, work_dir_lock)

# Hooks every run gets (a config may list them with other settings).
SAFETY_HOOKS = (NonFiniteCheckHook, LoadFromCheckHook, ResumeCheckHook,
                DataCheckHook)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train an editing model',
        epilog='Checkpoints given by --resume or load_from are loaded '
        'weights-only (tensors and the few classes mmengine stores; '
        'anything else is refused); load_from must hold every generator '
        'weight of the model (allow_partial_load=True for an intended '
        'partial load). A NaN or infinite loss or weight stops training '
        'with an error naming the term and the iteration, before that '
        'state is checkpointed. Checkpoints are written atomically; Ctrl-C '
        'or SIGTERM stops cleanly and prints how to --resume.')
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

    try:
        check_data_folders(cfg, ('train_dataloader', 'val_dataloader'))
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}')
    setup_distributed_backend(cfg)
    runner = None
    with stop_on_sigterm():
        try:
            with work_dir_lock(cfg.work_dir):
                runner = build_runner(cfg)
                for hook in SAFETY_HOOKS:
                    if not any(isinstance(h, hook) for h in runner.hooks):
                        runner.register_hook(hook())
                runner.train()
        except (WorkDirBusyError, CheckpointMismatchError,
                DataCheckError) as err:
            raise SystemExit(f'error: {err}')
        except BaseException as err:
            # Ctrl-C or SIGTERM, also when a library turned it into its own
            # error while handling it
            stop = interrupt_behind(err)
            if stop is not None:
                print(stopped_message(cfg, runner, stop), file=sys.stderr)
                raise SystemExit(exit_code(stop))
            if not isinstance(err, Exception) or not is_load_failure(err):
                raise
            loaded = cfg.get('load_from') or find_latest_checkpoint(
                cfg.work_dir)
            raise SystemExit('error: ' +
                             refusal_message(loaded, loaded, err))


def resume_command() -> str:
    """This run's command line with ``--resume`` (from the latest
    checkpoint) in place of any ``--resume`` it had."""
    args, skip = [], False
    for arg in sys.argv:
        if skip and not arg.startswith('-'):
            skip = False
            continue
        skip = arg == '--resume'
        if not skip and not arg.startswith('--resume='):
            args.append(arg)
    return ' '.join(['python', *args, '--resume'])


def stopped_message(cfg, runner, stop: KeyboardInterrupt) -> str:
    """What a stopped run says: where it stopped, what is saved, how to go
    on."""
    why = str(stop) or 'Ctrl-C'
    where = f' at iteration {runner.iter}' if runner is not None else ''
    last = find_latest_checkpoint(cfg.work_dir)
    if last is None:
        return (f'Training stopped by {why}{where}, before its first '
                'checkpoint; run the same command again to start over.')
    return (f'Training stopped by {why}{where}. Checkpoints are written '
            f'atomically: the last complete one is {last}. Continue with:\n'
            f'    {resume_command()}')

if __name__ == '__main__':
    main()
