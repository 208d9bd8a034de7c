"""Build the demo data from scikit-image's photos (no download).

Writes clean training tiles (the train pipeline degrades them on the fly
with ``SynthesizeDegradation``), clean test tiles of other photos and a
fixed degraded copy of them per degradation; with ``--masks``, also the
masks the demo configs read (of the training tiles, of the degraded test
inputs and of the test ground truths) through
``tools/misc/generate_sam_masks.py``. Reuses what exists.

Usage:
    python tools/dataset_converters/make_demo_dataset.py [--out data/demo]
        [--degradations rain blur noise] [--tile-size 128] [--test-seed 0]
        [--masks segmenter_classes_by_segments|segmenter_classes|felzenszwalb|slic]
"""
import argparse
import os.path as osp

# before mmsamdistill: it imports MMagic's models with their third-party
# deprecation warnings hidden
from mmsamdistill_demo import mask_source, prepare_data
from mmsamdistill_demo.masks import PRIORS

from mmsamdistill.data_preparation import build_demo_data
from mmsamdistill.datasets.transforms.synthesize_degradation import \
    DEGRADATION_FUNCTIONS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--out', default='data/demo', help='output dir')
    parser.add_argument('--degradations', nargs='+', default=['rain'],
                        choices=sorted(DEGRADATION_FUNCTIONS))
    parser.add_argument('--tile-size', type=int, default=128)
    parser.add_argument('--test-seed', type=int, default=0)
    parser.add_argument('--masks', choices=sorted(PRIORS),
                        help='also write the masks the demo configs read')
    args = parser.parse_args()
    meta = build_demo_data(args.out, args.degradations, args.tile_size,
                           test_seed=args.test_seed)
    print(f'{args.out}: {meta["num_images"]["train"]} clean training tiles '
          f'of {len(meta["train_photos"])} photos, '
          f'{meta["num_images"]["test"]} test tiles of '
          f'{len(meta["test_photos"])} other photos; degraded test inputs: '
          f'{", ".join(sorted(meta["test_lq"]))}')
    if args.masks:
        source, generator_args = mask_source(prior=args.masks)
        for kind in args.degradations:
            data = prepare_data(args.out, kind, source, generator_args,
                                osp.join(args.out, 'masks.log'),
                                tile_size=args.tile_size,
                                test_seed=args.test_seed)
        print(f'masks ({source}): {data.train_masks}, '
              f'{osp.dirname(data.test_lq_masks)}/masks_{source}_*')


if __name__ == '__main__':
    main()
