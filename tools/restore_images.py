"""Restore your own images with a trained student (or any MMagic restorer).

Only the network that runs at inference is built: the config's generator
(IR1 for a CascadeDistillRestorer config), fed through MMagic's own
inference path -- each image read by the config's test ``LoadImageFromFile``
(channel order, grayscale, Y channel), the config's data preprocessor --
so the result is what ``tools/test.py`` computes. CHECKPOINT is a run
checkpoint (``iter_N.pth``) or a student written by
``tools/export_student.py``, loaded weights-only.

Examples:
    # an exported student with its stock MMagic config
    python tools/restore_images.py \\
        mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py \\
        student.pth photos/ --out restored/ --side-by-side
    # a run of the cascade, a glob of images, on a GPU
    python tools/restore_images.py configs/nafnet/<config>_samdistill.py \\
        work_dirs/<config>_samdistill/iter_400000.pth 'shots/*.jpg' \\
        --out restored/ --device cuda

INPUTS are image files, folders (searched recursively) or quoted globs.
Each restored image is written under --out with its name (its path
relative to the folder it was found in); ``--side-by-side`` also writes
``<out>/side_by_side/<name>.png`` with the input (resized to the output,
nearest) left of the restoration.
"""
import argparse
import glob
import os.path as osp
import time
import warnings
from typing import List, Tuple

import cv2
import numpy as np

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  registers components, ckpt loader
    from mmengine import Config
    from mmengine.registry import init_default_scope
    from mmsamdistill.apis import StudentRestorer, save_restoration_grid
from mmsamdistill.utils import (filter_third_party_warnings,  # noqa: E402
                                resolve_config_path, write_atomic)

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument(
        'config', help='the training config (cascade or stock) or the stock '
        'MMagic config of an exported student; mmagic::<algo>/<name>.py '
        'works')
    parser.add_argument(
        'checkpoint', help='a run checkpoint or an exported student '
        '(loaded weights-only)')
    parser.add_argument('inputs', nargs='+',
                        help='image files, folders or quoted globs')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--side-by-side', action='store_true',
                        help='also write input | restored comparisons')
    parser.add_argument('--device', default='cpu',
                        help='torch device, e.g. cuda or cuda:1 '
                        '(default: cpu)')
    return parser.parse_args(argv)


def find_images(inputs: List[str]) -> List[Tuple[str, str]]:
    """The images that ``inputs`` name, with the name each is written under.

    Args:
        inputs (list[str]): Image files, folders (recursive) or globs.

    Returns:
        list[tuple[str, str]]: ``(path, relative name)`` pairs, sorted per
        input, without duplicates.

    Raises:
        FileNotFoundError: An input names no image.
        ValueError: Two images would be written under one name.
    """
    found, seen, names = [], set(), {}
    for pattern in inputs:
        if osp.isdir(pattern):
            matches = [(path, osp.relpath(path, pattern))
                       for path in glob.glob(osp.join(pattern, '**', '*'),
                                             recursive=True)]
        else:
            matches = [(path, osp.basename(path))
                       for path in glob.glob(pattern, recursive=True)]
        matches = sorted((path, name) for path, name in matches
                         if osp.isfile(path)
                         and path.lower().endswith(IMAGE_EXTENSIONS))
        if not matches:
            raise FileNotFoundError(
                f'{pattern!r} names no image (a file, folder or glob of '
                f'{", ".join(IMAGE_EXTENSIONS)} files)')
        for path, name in matches:
            if osp.abspath(path) in seen:
                continue
            if name in names:
                raise ValueError(
                    f'{names[name]} and {path} would both be written as '
                    f'{name}; restore them into separate --out folders')
            seen.add(osp.abspath(path))
            names[name] = path
            found.append((path, name))
    return found


def write_image(path: str, image: np.ndarray) -> None:
    """Write an RGB or one-channel uint8 image atomically."""
    bgr = image[..., 0] if image.shape[-1] == 1 else image[..., ::-1]

    def write(tmp: str) -> None:  # tmp keeps the extension cv2 encodes by
        if not cv2.imwrite(tmp, bgr):
            raise OSError(f'could not write {path}')

    write_atomic(path, write)


def side_by_side(path: str, image: np.ndarray, restored: np.ndarray) -> None:
    """Write input | restored, the input resized to the restoration."""
    height, width = restored.shape[:2]
    shown = cv2.resize(image, (width, height),
                       interpolation=cv2.INTER_NEAREST)
    panels = [('input', shown.reshape(height, width, -1)),
              ('restored', restored)]
    # the grid takes RGB panels: a grayscale model's images become gray RGB
    save_restoration_grid(
        path, [(title, np.repeat(p, 3 // p.shape[-1], axis=2))
               for title, p in panels], scale=1)


def restore_images(config: str, checkpoint: str, inputs: List[str],
                   out_dir: str, with_side_by_side: bool = False,
                   device: str = 'cpu') -> List[str]:
    """Restore every image ``inputs`` names into ``out_dir``.

    Args:
        config (str): Config path or ``mmagic::`` name.
        checkpoint (str): Run checkpoint or exported student.
        inputs (list[str]): Image files, folders or globs.
        out_dir (str): Output folder.
        with_side_by_side (bool): Also write comparisons.
        device (str): Torch device.

    Returns:
        list[str]: The restored images written.
    """
    images = find_images(inputs)
    cfg = Config.fromfile(resolve_config_path(config))
    init_default_scope(cfg.get('default_scope', 'mmagic'))
    restorer = StudentRestorer(cfg, checkpoint, device=device)
    written = []
    start = time.perf_counter()
    for index, (path, name) in enumerate(images, 1):
        # read as the config's test pipeline reads (order, gray, Y channel)
        image, restored = restorer.restore_file(path)
        out = osp.join(out_dir, name)
        write_image(out, restored)
        written.append(out)
        if with_side_by_side:
            side_by_side(
                osp.join(out_dir, 'side_by_side',
                         osp.splitext(name)[0] + '.png'), image, restored)
        elapsed = time.perf_counter() - start
        print(f'[{index}/{len(images)}] {path} -> {out} '
              f'({image.shape[1]}x{image.shape[0]} -> '
              f'{restored.shape[1]}x{restored.shape[0]}, '
              f'{elapsed / index:.2f} s/image)', flush=True)
    return written


def main(argv=None) -> None:
    filter_third_party_warnings(_import_warnings)
    args = parse_args(argv)
    try:
        written = restore_images(args.config, args.checkpoint, args.inputs,
                                 args.out, args.side_by_side, args.device)
    except (FileNotFoundError, KeyError, OSError, ValueError) as err:
        raise SystemExit(f'error: {err}')
    print(f'{len(written)} restored images in {args.out}')


if __name__ == '__main__':
    main()
