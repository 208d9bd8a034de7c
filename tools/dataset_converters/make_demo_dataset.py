"""Build the demo dataset from scikit-image's photos (no download).

Usage:
    python tools/dataset_converters/make_demo_dataset.py [--out data/demo_rain]
        [--degradation rain|blur|noise] [--patch-size 128] [--seed 0]
"""
import argparse

from mmsamdistill.datasets.demo_dataset import (DEGRADATIONS,
                                                build_demo_dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/demo_rain', help='output dir')
    parser.add_argument(
        '--degradation', default='rain', choices=sorted(DEGRADATIONS))
    parser.add_argument('--patch-size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    meta = build_demo_dataset(
        args.out, args.degradation, args.patch_size, seed=args.seed)
    print(f'{args.out}: {meta["num_images"]["train"]} train and '
          f'{meta["num_images"]["test"]} test pairs ({args.degradation})')


if __name__ == '__main__':
    main()
