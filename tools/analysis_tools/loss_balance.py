"""Measure how strongly each distillation term pushes IR1, and whether IR2 leads.

For a CascadeDistillRestorer config (and optionally a checkpoint of its
run), prints per training batch each distillation term's value at its
configured weight (``loss_weight`` times the scale-free scale, if any) and
the norm of its gradient on the student tensors it acts on, relative to the
pixel loss's gradient there -- the quantity ``distill_weights.grad_fraction``
sets -- and IR1's and IR2's PSNR on the batch. Everything runs through the
model's own cascade step (``CascadeDistillRestorer.cascade``).

Usage:
    python tools/analysis_tools/loss_balance.py CONFIG [--checkpoint CKPT]
        [--batches 3] [--cfg-options k=v ...]
"""
import argparse
import math

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmsamdistill  # noqa: F401  (registers components)
from mmagic.registry import MODELS
from mmagic.utils import register_all_modules
from mmsamdistill.apis import load_run_checkpoint
from mmsamdistill.models.editors.distill_weights import gradient_norm



def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a CascadeDistillRestorer config')
    parser.add_argument('--checkpoint', help='a checkpoint of a run '
                        '(default: the networks as initialised); loaded '
                        'weights-only')
    parser.add_argument('--batches', type=int, default=3)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides of the config')
    return parser.parse_args()


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR of two [0, 1] image batches."""
    mse = float(((a.clamp(0, 1) - b) ** 2).mean())
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
    weights = model.distill_weights
    print('| batch | term | value | grad norm on IR1 | grad / pixel-loss '
          'grad |\n|---|---|---|---|---|')
    for index in range(args.batches):
        data = model.data_preprocessor(next(loader), True)
        samples = data['data_samples']
        gt = samples.gt_img
        out = model.cascade(data['inputs'], samples, model.needs_features())
        recon1 = model.pixel_loss(out.student, gt)
        out = model.with_target_teacher(out)
        terms = model.distillation_terms(data['inputs'], out, gt, samples)
        for name, term in terms.items():
            pixel_grad = gradient_norm(recon1, term.pixel_reference)
            if weights.balanced(name):
                weights.update(name, pixel_grad,
                               gradient_norm(term.value, term.student_tensors))
            value = weights.scale(name).to(term.value) * term.value
            grad = gradient_norm(value, term.student_tensors)
            share = float(grad) / max(float(pixel_grad), 1e-30)
            print(f'| {index} | {name} | {float(value):.4g} | '
                  f'{float(grad):.3e} | {share:.2e} |')
        student = model.to_pixel_space(out.student.detach(), samples)
        teacher = model.to_pixel_space(out.teacher.detach(), samples)
        truth = model.to_pixel_space(gt, samples)
        print(f'| {index} | IR1 / IR2 PSNR vs gt | {psnr(student, truth):.2f}'
              f' / {psnr(teacher, truth):.2f} dB | | |')


if __name__ == '__main__':
    main()
