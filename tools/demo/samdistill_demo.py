"""The demo: stock vs SAM-prior-distilled training of one small model.

Builds the demo deraining data (scikit-image photos, no download), makes
masks (SAM when ``--sam-checkpoint`` is given, Felzenszwalb otherwise),
trains the stock tiny NAFNet and the distilled one with identical seeds,
data order and iterations through ``tools/train.py``, tests both with
``tools/test.py`` and writes a comparison table, one image grid per test
image and the loss curves.

Finished runs in the work dir are reused when config path and overrides
match (edits inside a config are not detected: use a new --work-dir).

Usage:
    python tools/demo/samdistill_demo.py [--work-dir work_dirs/demo]
        [--sam-checkpoint sam_vit_b.pth --sam-model-type vit_b]
        [--vgg torchvision://vgg16 | PATH | none] [--seed 10]
        [--cfg-options k=v ...]   # applied to both runs
"""
import argparse
import os
import os.path as osp
import statistics
import time

import cv2
import torch

from mmengine import Config
from mmsamdistill.apis import (StudentRestorer, count_parameters,
                               generate_masks, label_map_overlay,
                               mask_source, plot_loss_curves, read_scalars,
                               run_train_test, save_restoration_grid,
                               time_inference)
from mmsamdistill.datasets import read_label_map
from mmsamdistill.datasets.demo_dataset import build_demo_dataset
from mmsamdistill.utils import dump_json_atomic, write_atomic

STOCK_CONFIG = 'configs/demo/nafnet_tiny_demo_rain.py'
DISTILL_CONFIG = 'configs/demo/nafnet_tiny_demo_rain_samdistill.py'
VGG16_FILE = 'vgg16-397923af.pth'  # torchvision's release file name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/demo_rain')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--sam-checkpoint',
        default=os.environ.get('MMSAMDISTILL_SAM_CHECKPOINT'),
        help='SAM checkpoint for the masks (env '
        'MMSAMDISTILL_SAM_CHECKPOINT); unset: Felzenszwalb masks')
    parser.add_argument('--sam-model-type', default='vit_b')
    parser.add_argument(
        '--vgg', default=None,
        help="SGR's VGG16 weights: 'torchvision://vgg16', a file, or "
        "'none' (random init). Default: torchvision's if they are in the "
        'torch hub cache, else none')
    parser.add_argument('--seed', type=int, default=10)
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides for both runs')
    return parser.parse_args()


def default_vgg() -> str:
    """torchvision's VGG16 when cached locally (no download), else none."""
    cached = osp.join(torch.hub.get_dir(), 'checkpoints', VGG16_FILE)
    return 'torchvision://vgg16' if osp.isfile(cached) else 'none'


def markdown_table(header, rows) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    work_dir = args.work_dir
    os.makedirs(work_dir, exist_ok=True)
    log = osp.join(work_dir, 'demo.log')

    meta = build_demo_dataset(args.data_root, 'rain')
    print(f'data: {args.data_root} ({meta["num_images"]["train"]} train, '
          f'{meta["num_images"]["test"]} test pairs)')
    source, generator_args = mask_source(args.sam_checkpoint,
                                         args.sam_model_type)
    mask_roots = {}
    for split in ('train', 'test'):  # test masks only for the overlays
        mask_roots[split] = osp.join(args.data_root, split, f'masks_{source}')
        generate_masks(
            osp.join(args.data_root, split, 'gt'), mask_roots[split],
            generator_args, log)
    print(f'masks: {source} -> {mask_roots["train"]}')

    vgg = args.vgg or default_vgg()
    if vgg == 'none':
        print('SGR: no pretrained VGG16 available offline, using a randomly '
              'initialised one (pass --vgg torchvision://vgg16 or a file)')
    common = [f'randomness.seed={args.seed}',
              f'train_dataloader.dataset.data_root={args.data_root}/train',
              f'val_dataloader.dataset.data_root={args.data_root}/test',
              f'test_dataloader.dataset.data_root={args.data_root}/test',
              *args.cfg_options]
    distill_only = [
        'train_dataloader.dataset.pipeline.2.mask_root=' + mask_roots['train'],
        'train_dataloader.dataset.pipeline.2.image_root='
        f'{args.data_root}/train/gt',
        'model.sgr_loss.vgg.pretrained=' + ('None' if vgg == 'none' else vgg)
    ]
    runs = {}
    for name, config, options in (
            ('stock', STOCK_CONFIG, common),
            ('distilled', DISTILL_CONFIG, common + distill_only)):
        print(f'training and testing the {name} model ...', flush=True)
        runs[name] = run_train_test(config, osp.join(work_dir, name), options)
        print(f'  {name}: PSNR {runs[name].metrics["PSNR"]:.3f} '
              f'({runs[name].train_seconds:.0f} s training)', flush=True)

    # Inference cost and the image grids, from the students alone.
    students = {
        name: StudentRestorer(
            Config.fromfile(config), runs[name].checkpoint)
        for name, config in (('stock', STOCK_CONFIG),
                             ('distilled', DISTILL_CONFIG))
    }
    # Interleaved rounds, so a load change on the machine hits both alike.
    timings = {name: [] for name in runs}
    for _ in range(5):
        for name in runs:
            timings[name].append(time_inference(
                students[name].generator, (1, 3, 128, 128), repeats=5,
                warmup=1))
    rows, summary = [], {}
    for name, run in runs.items():
        net = students[name].generator
        seconds = statistics.median(timings[name])
        summary[name] = dict(
            run.metrics, params=count_parameters(net),
            inference_ms=1000 * seconds, train_seconds=run.train_seconds)
        rows.append([
            name, f'{run.metrics["PSNR"]:.3f}', f'{run.metrics["SSIM"]:.4f}',
            f'{count_parameters(net):,}', f'{1000 * seconds:.1f}',
            f'{run.train_seconds / 60:.1f}'
        ])
    gain = runs['distilled'].metrics['PSNR'] - runs['stock'].metrics['PSNR']
    table = markdown_table(
        ['model', 'PSNR', 'SSIM', 'params', 'inference ms (128x128, CPU)',
         'train min'], rows)

    grid_dir = osp.join(work_dir, 'grids')
    test_lq = osp.join(args.data_root, 'test', 'lq')
    for name in sorted(os.listdir(test_lq)):
        lq = cv2.cvtColor(cv2.imread(osp.join(test_lq, name)),
                          cv2.COLOR_BGR2RGB)
        gt = cv2.cvtColor(
            cv2.imread(osp.join(args.data_root, 'test', 'gt', name)),
            cv2.COLOR_BGR2RGB)
        labels = read_label_map(osp.join(mask_roots['test'], name))
        save_restoration_grid(osp.join(grid_dir, name), [
            ('degraded', lq), ('stock', students['stock'](lq)),
            ('distilled', students['distilled'](lq)), ('ground truth', gt),
            (f'{source} masks', label_map_overlay(gt, labels))
        ])

    stock_losses = read_scalars(runs['stock'].work_dir)
    distill_losses = read_scalars(runs['distilled'].work_dir)
    pixel = [('stock: loss', stock_losses['loss']),
             ('distilled: loss_recon1 (IR1)', distill_losses['loss_recon1']),
             ('distilled: loss_recon2 (IR2)', distill_losses['loss_recon2'])]
    distillation = [(f'distilled: {key}', distill_losses[key])
                    for key in ('loss_spd', 'loss_sgr')
                    if key in distill_losses]
    curve_path = osp.join(work_dir, 'loss_curves.png')
    plot_loss_curves(curve_path, [
        ('pixel losses (stock vs cascade)', pixel),
        ('weighted distillation terms (log)', distillation)
    ], log_scale=[False, True])

    report = (f'{table}\n\nPSNR gain of the distilled student: {gain:+.3f} dB '
              f'(masks: {source}; SGR VGG: {vgg}; seed {args.seed}; same '
              'iterations, data order and inference network)\n')
    write_atomic(osp.join(work_dir, 'results.md'),
                 lambda tmp: open(tmp, 'w', encoding='utf-8').write(report))
    dump_json_atomic(
        dict(summary, gain_db=gain, mask_source=source, vgg=vgg,
             seed=args.seed), osp.join(work_dir, 'results.json'))
    print('\n' + report)
    print(f'image grids (degraded | stock | distilled | ground truth | '
          f'masks): {grid_dir}/')
    print(f'loss curves: {curve_path}')
    print(f'table: {work_dir}/results.md; logs: {log}, '
          f'{work_dir}/<run>/tools.log')
    print(f'demo finished in {(time.perf_counter() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
