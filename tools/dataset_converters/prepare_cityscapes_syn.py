"""Lay out Cityscapes-syn (rain-rendered Cityscapes) at one rain intensity.

Usage:
    python tools/dataset_converters/prepare_cityscapes_syn.py \
        --rain-root WEATHER_CITYSCAPES --cityscapes-root CITYSCAPES \
        --intensity {100,200} [--out data/cityscapes_syn_<I>mm] [--copy] \
        [--resize-to-lq] [--overwrite] [--splits train test]

Writes <out>/{train,test}/{lq,gt,seg}/<city>_<seq>_<frame>.png (symlinks
unless --copy; test = Cityscapes val); re-runs skip what is in place. The
expected source trees are in tools/dataset_converters/README.md.
"""
import argparse

from mmsamdistill.data_preparation.cityscapes_syn import (
    SPLITS, prepare_cityscapes_syn)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument(
        '--rain-root', required=True,
        help='the extracted weather_cityscapes release (or a folder above '
        'it), holding leftImg8bit/{train,val}/rain/<I>mm/rainy_image')
    parser.add_argument(
        '--cityscapes-root', required=True,
        help='Cityscapes root holding leftImg8bit/ and gtFine/ (with the '
        '*_gtFine_labelTrainIds.png maps)')
    parser.add_argument('--intensity', type=int, required=True,
                        help='rain rate in mm/h (the paper: 100 or 200)')
    parser.add_argument(
        '--out', help='output root (default data/cityscapes_syn_<I>mm)')
    parser.add_argument('--copy', action='store_true',
                        help='copy files instead of symlinking them')
    parser.add_argument(
        '--resize-to-lq', action='store_true',
        help='write clean images and labels resized to the rainy images '
        'where their sizes differ')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an output made from another source')
    parser.add_argument('--splits', nargs='+', default=list(SPLITS),
                        choices=list(SPLITS), help='splits to write')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    out = args.out or f'data/cityscapes_syn_{args.intensity}mm'
    try:
        summary = prepare_cityscapes_syn(
            args.rain_root, args.cityscapes_root, out, args.intensity,
            copy=args.copy, resize_to_lq=args.resize_to_lq,
            overwrite=args.overwrite, splits=args.splits, progress=True)
    except (FileNotFoundError, FileExistsError, ValueError, OSError) as err:
        raise SystemExit(f'error: {err}')
    print(f'\n{summary["out"]}: {summary["written"]} files written, '
          f'{summary["skipped"]} already in place, {summary["removed"]} '
          'stale removed')
    for split, count in summary['counts'].items():
        official = summary['official_counts'][split]
        note = '' if count == official else (
            f'  (Cityscapes has {official}; is the rain release complete?)')
        print(f'  {split}: {count} samples{note}')


if __name__ == '__main__':
    main()
