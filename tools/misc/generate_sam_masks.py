"""Precompute the SAM mask cache (label maps) of a folder or a dataset.

Examples:
    # a folder, SAM ViT-H, 8 GPUs (each rank takes a disjoint share)
    torchrun --nproc_per_node 8 tools/misc/generate_sam_masks.py \
        data/gopro/train/sharp data/gopro/train/sam_masks --generator sam \
        --options model_type=vit_h checkpoint=checkpoints/sam_vit_h.pth
    # the gt images of a config's training set, no weights needed
    python tools/misc/generate_sam_masks.py --dataset-config CFG --key gt \
        data/gopro/train/felzenszwalb_masks --generator felzenszwalb

Stopped runs resume (existing masks with matching settings are skipped);
every mask is written atomically; the sidecar ``sam_masks.json`` records the
source, model, checkpoint hash and settings, which ``LoadSAMMask`` checks.
"""
import argparse
import os
import os.path as osp
import time

import torch

import mmsamdistill  # noqa: F401  registers the generators
from mmagic.registry import DATASETS, MODELS
from mmengine.config import Config, DictAction
from mmsamdistill.datasets import generate_mask_cache, list_images

GENERATORS = dict(
    sam='SAMMaskGenerator',
    sam2='SAM2MaskGenerator',
    felzenszwalb='FelzenszwalbMaskGenerator',
    slic='SLICMaskGenerator')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('paths', nargs='+', metavar='[IMAGE_FOLDER] MASK_ROOT',
                        help='image folder (omit with --dataset-config) and '
                        'the output mask root')
    parser.add_argument('--dataset-config', help='take the images of this '
                        "config's train dataset instead of a folder")
    parser.add_argument('--key', default='gt', choices=['gt', 'img'],
                        help='with --dataset-config: the image to segment')
    parser.add_argument('--generator', default='sam', choices=GENERATORS)
    parser.add_argument('--options', nargs='+', action=DictAction,
                        default={}, help='generator settings, key=value')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images handed to the generator at once')
    parser.add_argument('--overwrite', action='store_true',
                        help='regenerate masks made with other settings')
    return parser.parse_args()


def dataset_images(config: str, key: str):
    """Image paths and their root from a config's train dataset."""
    cfg = Config.fromfile(config)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    paths = sorted(dataset.get_data_info(i)[f'{key}_path']
                   for i in range(len(dataset)))
    image_root = osp.join(dataset_cfg.get('data_root', ''),
                          dataset_cfg.data_prefix[key])
    return paths, image_root


def main() -> None:
    args = parse_args()
    if args.dataset_config:
        if len(args.paths) != 1:
            raise SystemExit('with --dataset-config give only MASK_ROOT')
        images, image_root = dataset_images(args.dataset_config, args.key)
        mask_root = args.paths[0]
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
    if args.generator in ('sam', 'sam2') and 'device' not in options:
        if torch.cuda.is_available():
            local_rank = int(os.environ.get('LOCAL_RANK', 0))
            options['device'] = f'cuda:{local_rank}'
    start = time.perf_counter()
    generator = MODELS.build(dict(type=GENERATORS[args.generator], **options))
    try:
        summary = generate_mask_cache(
            generator, generator.settings(), images, mask_root, image_root,
            rank=rank, world_size=world_size, batch_size=args.batch_size,
            overwrite=args.overwrite, progress=rank == 0)
    except ValueError as err:  # a stale cache: say what to do, no traceback
        raise SystemExit(f'error: {err}')
    seconds = time.perf_counter() - start
    rate = summary['written'] / summary['seconds'] if summary[
        'seconds'] else 0.0
    print(f'[rank {rank}/{world_size}] {summary["images"]} images: '
          f'{summary["written"]} written, {summary["skipped"]} already '
          f'done; {summary["masks_per_image"]:.1f} masks per image; '
          f'{rate:.2f} images/s; {seconds:.1f} s in all')
    if rank == 0:
        print(f'In the train pipeline: dict(type=\'LoadSAMMask\', '
              f'mask_root={mask_root!r}, image_root={image_root!r}, '
              f'image_key={args.key!r})')


if __name__ == '__main__':
    main()
