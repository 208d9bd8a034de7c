"""Arguments shared by the demo, the paired-seed and the ablation tools."""
import argparse
import os
import os.path as osp
from typing import Optional

import torch

from .masks import DEFAULT_PRIOR, PRIORS, mask_source
from .paired import DEGRADATIONS, DemoData, Regime, prepare_data

VGG16_FILE = 'vgg16-397923af.pth'  # torchvision's release file name


def build_parser(doc: str, work_dir: str) -> argparse.ArgumentParser:
    """A tool's parser with the arguments of the paired regime.

    Args:
        doc (str): The tool's docstring: its first line is the description,
            the rest (from the third line) the epilog.
        work_dir (str): The default ``--work-dir``.

    Returns:
        argparse.ArgumentParser: With the data, masks, budget and override
        arguments; the tool adds its own.
    """
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(doc.splitlines()[2:]))
    parser.add_argument('--degradation', default='rain', choices=DEGRADATIONS)
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--work-dir', default=work_dir)
    parser.add_argument(
        '--stage-a-root', default='work_dirs/demo',
        help='where the shared stage-A runs live (reused by every tool '
        'whose stage-A settings match)')
    parser.add_argument('--stage-a-iters', type=int, default=None,
                        help='N (default: the stock config\'s)')
    parser.add_argument('--finetune-iters', type=int, default=None,
                        help='M (default: the stage-B configs\')')
    parser.add_argument(
        '--sam-checkpoint',
        default=os.environ.get('MMSAMDISTILL_SAM_CHECKPOINT'),
        help='SAM checkpoint for the masks (env '
        'MMSAMDISTILL_SAM_CHECKPOINT); unset: --prior')
    parser.add_argument('--sam-model-type', default='vit_b')
    parser.add_argument(
        '--prior', default=DEFAULT_PRIOR, choices=sorted(PRIORS),
        help='masks without SAM: the bundled learned segmenter\'s classes '
        '(split by Felzenszwalb segments, or not) or classical segments '
        f'only. Default: {DEFAULT_PRIOR}')
    parser.add_argument(
        '--vgg', default=None,
        help="SGR's VGG16 weights when the config uses VGG: "
        "'torchvision://vgg16', a file, or 'none' (random init). Default: "
        "torchvision's if they are in the torch hub cache, else none")
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides for every run')
    parser.add_argument('--stage-a-options', nargs='+', default=[],
                        help='key=value overrides for stage A only')
    return parser


def default_vgg() -> str:
    """torchvision's VGG16 when cached locally (no download), else none."""
    cached = osp.join(torch.hub.get_dir(), 'checkpoints', VGG16_FILE)
    return 'torchvision://vgg16' if osp.isfile(cached) else 'none'


def regime_from_args(args: argparse.Namespace) -> Regime:
    return Regime(
        stage_a_iters=args.stage_a_iters,
        finetune_iters=args.finetune_iters,
        vgg=args.vgg or default_vgg(),
        cfg_options=list(args.cfg_options),
        stage_a_options=list(args.stage_a_options))


def data_from_args(args: argparse.Namespace, log_path: str,
                   prior: Optional[str] = None) -> DemoData:
    """The demo data with the masks of ``prior`` (default: ``--prior``)."""
    source, generator_args = mask_source(args.sam_checkpoint,
                                         args.sam_model_type,
                                         prior or args.prior)
    return prepare_data(args.data_root, args.degradation, source,
                        generator_args, log_path)
