"""Lay out one of the paper's datasets as MMagic paired folders.

Usage:
    python tools/dataset_converters/prepare_paper_dataset.py \
        --dataset {rain200l,rain200h,did,ddn,gopro,sensenoise} \
        --src RAW_ROOT [--out data/<dataset>] [--copy] [--overwrite]

Writes <out>/{train,test}/{lq,gt}/<name> (symlinks unless --copy); re-runs
skip what is in place. The released layout each dataset expects under
RAW_ROOT is in tools/dataset_converters/README.md.
"""
import argparse

from mmsamdistill.data_preparation import (PAPER_DATASETS,
                                           prepare_paper_dataset)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--dataset',
                        required=True,
                        choices=sorted(PAPER_DATASETS))
    parser.add_argument('--src',
                        required=True,
                        help='root of the extracted release')
    parser.add_argument('--out', help='output root (default data/<dataset>)')
    parser.add_argument('--copy',
                        action='store_true',
                        help='copy files instead of symlinking them')
    parser.add_argument('--overwrite',
                        action='store_true',
                        help='replace a non-empty output made from '
                        'something else')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    out = args.out or f'data/{args.dataset}'
    try:
        summary = prepare_paper_dataset(args.dataset,
                                        args.src,
                                        out,
                                        copy=args.copy,
                                        overwrite=args.overwrite,
                                        progress=True)
    except (FileNotFoundError, FileExistsError, ValueError, OSError) as err:
        raise SystemExit(f'error: {err}')
    official = summary['official_counts'] or {}
    print(f'\n{summary["out"]}: {summary["written"]} files written, '
          f'{summary["skipped"]} already in place, {summary["removed"]} '
          'stale removed')
    for split, count in summary['counts'].items():
        note = ''
        if split in official and official[split] != count:
            note = (f'  (the full release has {official[split]}; is --src '
                    'complete?)')
        print(f'  {split}: {count} pairs{note}')


if __name__ == '__main__':
    main()
