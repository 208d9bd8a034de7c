"""Test an MMagic model from a checkpoint and optionally dump the metrics.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--out metrics.json]
        [--teacher-masks [MASK_ROOT] [--teacher-mask-image img|gt]]
        [--work-dir DIR] [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse
import warnings

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  (registers components, ckpt loader)
from mmengine.dist import is_main_process
from mmsamdistill.datasets.data_check import (DataCheckError,
                                              check_data_folders)
from mmsamdistill.engine import (CheckpointKeysHook, CheckpointMismatchError,
                                 DataCheckHook, DumpTestMetricsHook,
                                 fetch_remote, is_load_failure,
                                 refusal_message)
from mmsamdistill.evaluation import add_teacher_evaluation
from mmsamdistill.utils import (add_runner_arguments, build_runner,
                                filter_third_party_warnings,
                                load_runner_config, setup_distributed_backend)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test an editing model',
        epilog='CHECKPOINT is loaded weights-only (tensors and the few '
        'classes mmengine stores; anything else is refused), and it must '
        "hold every generator weight of the config's network, with its "
        'shapes: a checkpoint of another architecture fails the run.')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file (a run checkpoint or an exported student), '
        'loaded weights-only')
    parser.add_argument(
        '--out', help='write the test metrics to this .json file')
    parser.add_argument(
        '--teacher-masks',
        nargs='?',
        const='',
        metavar='MASK_ROOT',
        help='a CascadeDistillRestorer config only: also score IR2 '
        '(teacher/PSNR, ...) with the cached masks of the test images '
        "(LoadSAMMask's mask_root; default <image folder>_sam_masks)")
    parser.add_argument(
        '--teacher-mask-image', default='img', choices=['img', 'gt'],
        help='the test image the masks were computed on: img (degraded, '
        'what a deployed teacher sees; default) or gt (privileged)')
    add_runner_arguments(parser)
    return parser.parse_args()


def main() -> None:
    filter_third_party_warnings(_import_warnings)
    args = parse_args()
    cfg = load_runner_config(args)
    if args.teacher_masks is not None:
        add_teacher_evaluation(cfg, 'test', args.teacher_masks or None,
                               args.teacher_mask_image)
    # a URL is downloaded here, so that mmengine reads a local file,
    # weights-only (its own URL loader unpickles in full)
    cfg.load_from = fetch_remote(args.checkpoint)
    cfg.resume = False
    try:
        check_data_folders(cfg, ('test_dataloader', ))
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}')

    setup_distributed_backend(cfg)
    runner = build_runner(cfg)
    # mmengine loads load_from non-strictly and only logs what is missing;
    # the networks that run here must be complete (IR2 only with teacher
    # evaluation: an exported student tests with the cascade's config)
    tested = ['generator.']
    if args.teacher_masks is not None:
        tested += ['teacher.']
    runner.register_hook(CheckpointKeysHook(tested))
    if not any(isinstance(h, DataCheckHook) for h in runner.hooks):
        runner.register_hook(DataCheckHook())
    if args.out:
        runner.register_hook(DumpTestMetricsHook(args.out))
    try:
        runner.test()
    except CheckpointMismatchError as err:
        raise SystemExit(f'error: {args.checkpoint}: {err}')
    except DataCheckError as err:
        raise SystemExit(f'error: {err}')
    except Exception as err:  # a crafted, foreign or damaged file
        if not is_load_failure(err):
            raise
        raise SystemExit(
            'error: ' + refusal_message(args.checkpoint, cfg.load_from, err))
    if args.out and is_main_process():
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    main()
