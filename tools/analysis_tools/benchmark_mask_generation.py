"""Overhead of tools/misc/generate_sam_masks.py over a bare generator loop.

Measured in one run on the same images and settings:

* the tool's seconds per image (read, segment, write atomically, sidecar,
  resume bookkeeping) vs a bare loop that reads and segments only
  (goal: overhead <= 10 %);
* scaling from 1 to 2 processes (torchrun), from the tool's own timings.

Usage:
    python tools/analysis_tools/benchmark_mask_generation.py \
        [--generator felzenszwalb] [--options k=v ...] [--images 24] \
        [--size 512]
"""
import argparse
import os
import os.path as osp
import random
import re
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
from mmagic.registry import MODELS
from mmengine.config import DictAction

import mmsamdistill  # noqa: F401
from mmsamdistill.data_preparation import (SKIMAGE_PHOTOS,
                                           generate_mask_cache, list_images,
                                           load_skimage_photo, read_rgb)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'generate_sam_masks.py')
GENERATORS = dict(sam='SAMMaskGenerator', sam2='SAM2MaskGenerator',
                  felzenszwalb='FelzenszwalbMaskGenerator',
                  slic='SLICMaskGenerator')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--generator', default='felzenszwalb',
                        choices=GENERATORS)
    parser.add_argument('--options', nargs='+', action=DictAction,
                        default={})
    parser.add_argument('--images', type=int, default=24)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--batch-size', type=int, default=4)
    return parser.parse_args()


def make_images(folder: str, count: int, size: int) -> None:
    for i in range(count):
        photo = load_skimage_photo(SKIMAGE_PHOTOS[i % len(SKIMAGE_PHOTOS)])
        photo = cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)
        cv2.imwrite(osp.join(folder, f'{i:04d}.png'), np.roll(photo, i, 1))


def tool_seconds(images: str, root: str, args, processes: int) -> float:
    """Slowest rank's in-tool seconds (imports and start-up excluded)."""
    options = [f'{k}={v}' for k, v in args.options.items()]
    launcher = [sys.executable]
    if processes > 1:
        launcher += [
            '-m', 'torch.distributed.run', '--nproc_per_node',
            str(processes), '--master_port',
            str(random.randint(20000, 40000))
        ]
    cmd = launcher + [TOOL, images, root, '--generator', args.generator,
                      '--batch-size', str(args.batch_size)]
    if options:
        cmd += ['--options'] + options
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS='1'))
    seconds = [float(s) for s in re.findall(r'images/s; ([\d.]+) s in all',
                                            out.stdout)]
    assert len(seconds) == processes, out.stdout
    return max(seconds)


def main() -> None:
    args = parse_args()
    generator = MODELS.build(dict(type=GENERATORS[args.generator],
                                  **args.options))
    with tempfile.TemporaryDirectory() as work:
        images = osp.join(work, 'images')
        os.makedirs(images)
        make_images(images, args.images, args.size)
        paths = list_images(images)

        start = time.perf_counter()
        for first in range(0, len(paths), args.batch_size):
            generator.generate_batch(
                [read_rgb(p) for p in paths[first:first + args.batch_size]])
        bare = time.perf_counter() - start

        start = time.perf_counter()
        generate_mask_cache(generator, generator.settings(), paths,
                            osp.join(work, 'masks_inproc'), images,
                            batch_size=args.batch_size, progress=False)
        tool = time.perf_counter() - start

        one = tool_seconds(images, osp.join(work, 'masks_1'), args, 1)
        two = tool_seconds(images, osp.join(work, 'masks_2'), args, 2)
    print(f'\n{args.generator}, {args.images} images of {args.size}x'
          f'{args.size}, batch {args.batch_size}\n')
    print('| measure | value | goal |\n|---|---|---|')
    print(f'| bare loop (s/image) | {bare / args.images:.4f} | |')
    print(f'| tool (s/image) | {tool / args.images:.4f} | |')
    print(f'| tool overhead | {100 * (tool / bare - 1):.1f} % | <= 10 % |')
    print(f'| 1 process (s) | {one:.2f} | |')
    print(f'| 2 processes (s) | {two:.2f} | |')
    print(f'| speed-up 1 -> 2 processes | {one / two:.2f}x | |')


if __name__ == '__main__':
    main()
