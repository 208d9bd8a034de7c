"""Precompute the SAM mask cache (label maps) of a folder or a dataset.

Examples:
    # a folder, SAM ViT-H, 8 GPUs (each rank takes a disjoint share)
    torchrun --nproc_per_node 8 tools/misc/generate_sam_masks.py \
        data/gopro/train/sharp data/gopro/train/sam_masks --generator sam \
        --options model_type=vit_h checkpoint=checkpoints/sam_vit_h.pth
    # the gt images of a config's training set, written where its
    # LoadSAMMask / WithSAMMasks reads them (<gt folder>_sam_masks by
    # default); Felzenszwalb needs no weights
    python tools/misc/generate_sam_masks.py --dataset-config CFG \
        --generator felzenszwalb
    # learned PASCAL VOC classes split by Felzenszwalb segments (the bundled
    # DeepLabV3-MobileNetV2 in weights/, no download)
    python tools/misc/generate_sam_masks.py data/imgs data/imgs_masks \
        --generator segmenter --options form=classes_by_segments

Stopped runs resume: existing masks with matching settings are skipped if
they pass a cheap check (a single-channel PNG, complete, of its image's
size); the others are redone and counted as repaired (``--verify`` also
decodes every existing mask). Every mask is written atomically; temp files
are removed only when their writer is provably gone, and each image is
claimed while it is computed, so runs started side by side on one MASK_ROOT
share the work. The sidecar ``sam_masks.json`` records the source, model,
checkpoint hash and settings, which ``LoadSAMMask`` checks. A SAM checkpoint
(path or URL) is loaded weights-only. Ctrl-C or SIGTERM stops after removing
the mask being written and this run's claims, and says how to go on; a full
disk stops with the file it could not write (the masks before it are kept).
"""
import argparse
import errno
import os
import os.path as osp
import sys
import time
import warnings

import torch

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  registers the generators
from mmagic.registry import DATASETS, MODELS
from mmengine.config import Config, DictAction
from mmsamdistill.data_preparation import generate_mask_cache, list_images
from mmsamdistill.datasets.label_map_io import DEFAULT_MASK_ROOT
from mmsamdistill.utils import (exit_code, filter_third_party_warnings,
                                resolve_config_path, stop_on_sigterm, type_name)

GENERATORS = dict(
    sam='SAMMaskGenerator',
    sam2='SAM2MaskGenerator',
    felzenszwalb='FelzenszwalbMaskGenerator',
    slic='SLICMaskGenerator',
    segmenter='SemanticSegmenterMaskGenerator')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('paths', nargs='*', metavar='[IMAGE_FOLDER] MASK_ROOT',
                        help='image folder (omit with --dataset-config) and '
                        'the output mask root (with --dataset-config, '
                        "default: where the config's LoadSAMMask reads, "
                        '<image folder>_sam_masks unless it says otherwise)')
    parser.add_argument('--dataset-config', help='take the images of this '
                        "config's train dataset instead of a folder "
                        '(a file or mmagic::<algo>/<config>.py)')
    parser.add_argument('--key', default='gt', choices=['gt', 'img'],
                        help='with --dataset-config: the image to segment')
    parser.add_argument('--generator', default='sam', choices=GENERATORS)
    parser.add_argument('--options', nargs='+', action=DictAction,
                        default={}, help='generator settings, key=value')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images handed to the generator at once')
    parser.add_argument('--overwrite', action='store_true',
                        help='regenerate masks made with other settings')
    parser.add_argument('--verify', action='store_true',
                        help='decode every existing mask (not only its '
                        'header, size and end) and redo the corrupt ones')
    return parser.parse_args()


def config_mask_root(pipeline) -> str:
    """The mask root a train pipeline's LoadSAMMask / WithSAMMasks reads."""
    for transform in pipeline or []:
        kind = type_name(transform)
        if kind in ('LoadSAMMask', 'WithSAMMasks'):
            return transform.get('mask_root') or DEFAULT_MASK_ROOT
        if kind in ('RandomApply', 'RandomChoice', 'Compose'):
            return config_mask_root(transform.get('transforms'))
    return DEFAULT_MASK_ROOT


def dataset_images(config: str, key: str):
    """Image paths, their root and the mask root from a config's train
    dataset."""
    cfg = Config.fromfile(resolve_config_path(config))
    dataset_cfg = cfg.train_dataloader.dataset
    mask_root = config_mask_root(dataset_cfg.get('pipeline'))
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    paths = sorted(dataset.get_data_info(i)[f'{key}_path']
                   for i in range(len(dataset)))
    image_root = osp.normpath(
        osp.join(dataset_cfg.get('data_root') or '',
                 dataset_cfg.data_prefix[key]))
    return paths, image_root, mask_root.replace('{image_root}', image_root)


def main() -> None:
    filter_third_party_warnings(_import_warnings)
    args = parse_args()
    if args.dataset_config:
        if len(args.paths) > 1:
            raise SystemExit('with --dataset-config give only MASK_ROOT')
        images, image_root, mask_root = dataset_images(
            args.dataset_config, args.key)
        mask_root = osp.normpath(args.paths[0] if args.paths else mask_root)
    else:
        if len(args.paths) != 2:
            raise SystemExit('give IMAGE_FOLDER and MASK_ROOT')
        image_root, mask_root = args.paths
        if not osp.isdir(image_root):
            raise SystemExit(f'{image_root} is not a folder')
        images = list_images(image_root)
    if not images:
        raise SystemExit(f'no images found in {image_root}')

    rank = int(os.environ.get('RANK', 0))
    world_size = int(os.environ.get('WORLD_SIZE', 1))
    options = dict(args.options)
    if args.generator in ('sam', 'sam2',
                          'segmenter') and 'device' not in options:
        if torch.cuda.is_available():
            local_rank = int(os.environ.get('LOCAL_RANK', 0))
            options['device'] = f'cuda:{local_rank}'
    start = time.perf_counter()
    generator = MODELS.build(dict(type=GENERATORS[args.generator], **options))
    try:
        with stop_on_sigterm():
            summary = generate_mask_cache(
                generator, generator.settings(), images, mask_root,
                image_root, rank=rank, world_size=world_size,
                batch_size=args.batch_size, overwrite=args.overwrite,
                progress=rank == 0, verify=args.verify)
    except ValueError as err:  # a stale cache: say what to do, no traceback
        raise SystemExit(f'error: {err}')
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        why = str(stop) or 'Ctrl-C'
        print(f'\n[rank {rank}/{world_size}] stopped by {why}: '
              f'every mask in {mask_root} is complete (none is half-'
              'written). Run the same command again to continue: finished '
              'masks are skipped.', file=sys.stderr)
        raise SystemExit(exit_code(stop))
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
        raise SystemExit(f'error: {err}')
    seconds = time.perf_counter() - start
    rate = summary['written'] / summary['seconds'] if summary[
        'seconds'] else 0.0
    extra = ''
    if summary['repaired']:
        extra += (f' ({summary["repaired"]} of them repaired: unreadable, '
                  'truncated or of the wrong size)')
    if summary['busy']:
        extra += (f'; {summary["busy"]} left to another run writing them '
                  'now')
    print(f'[rank {rank}/{world_size}] {summary["images"]} images: '
          f'{summary["written"]} written, {summary["skipped"]} already '
          f'done{extra}; {summary["masks_per_image"]:.1f} masks per image; '
          f'{rate:.2f} images/s; {seconds:.1f} s in all')
    if rank == 0:
        print(f'In the train pipeline: dict(type=\'LoadSAMMask\', '
              f'mask_root={mask_root!r}, image_root={image_root!r}, '
              f'image_key={args.key!r})')


if __name__ == '__main__':
    main()
