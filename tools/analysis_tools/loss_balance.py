"""Measure how strongly SPD and SGR push the student, and whether IR2 leads.

For a CascadeDistillRestorer config (and optionally a checkpoint of its
run), prints per training batch each student term's weighted value and the
norm of its gradient on IR1's output, relative to the pixel loss's, and
IR1's and IR2's error against the ground truth. Use it to set lambda_1 and
lambda_2 for a pixel loss other than the paper's.

Usage:
    python tools/analysis_tools/loss_balance.py CONFIG [--checkpoint CKPT]
        [--batches 3] [--cfg-options k=v ...]
"""
import argparse
import math

import torch
from mmengine import Config
from mmengine.config import DictAction
from mmengine.runner import Runner

import mmsamdistill  # noqa: F401  (registers components)
from mmagic.registry import MODELS
from mmagic.utils import register_all_modules
from mmsamdistill.apis import load_run_checkpoint, student_loss_balance


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a CascadeDistillRestorer config')
    parser.add_argument('--checkpoint', help='a checkpoint of your own run '
                        '(default: the networks as initialised)')
    parser.add_argument('--batches', type=int, default=3)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides of the config')
    return parser.parse_args()


def psnr_of(mse: float) -> float:
    """PSNR of an MSE of images in [0, 1]."""
    return 10 * math.log10(1 / max(mse, 1e-12))


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.type != 'CascadeDistillRestorer':
        raise ValueError(f'{args.config} is not a CascadeDistillRestorer '
                         'config')
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_run_checkpoint(model, args.checkpoint)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    loader = iter(Runner.build_dataloader(cfg.train_dataloader, seed=0))
    print('| batch | term | weighted value | grad norm on IR1 output | '
          'grad / pixel-loss grad |\n|---|---|---|---|---|')
    for index in range(args.batches):
        data = model.data_preprocessor(next(loader), True)
        stats = student_loss_balance(model, data['inputs'],
                                     data['data_samples'])
        for term in ('recon1', 'spd', 'sgr'):
            if term in stats:
                share = stats[f'{term}_grad'] / max(stats['recon1_grad'],
                                                    1e-30)
                print(f'| {index} | {term} | {stats[term]:.4g} | '
                      f'{stats[f"{term}_grad"]:.3e} | {share:.2e} |')
        # the preprocessor maps [0, 255] by its std; PSNR in [0, 1] units
        scale = float(getattr(model.data_preprocessor, 'std',
                              torch.ones(1)).mean()) / 255.
        print(f'| {index} | IR1 / IR2 PSNR vs gt | '
              f'{psnr_of(stats["student_mse"] * scale**2):.2f} / '
              f'{psnr_of(stats["teacher_mse"] * scale**2):.2f} dB | | |')


if __name__ == '__main__':
    main()
