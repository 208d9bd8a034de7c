"""The demo: upgrade a trained stock model with SAM-prior distillation.

Regime ("teacher first", equal budgets; ``mmsamdistill_demo/paired.py``):
stage A trains the stock tiny NAFNet from scratch; from its checkpoint, two
runs of the same length, seed, data order and crops: the stock model
continued with its own loss, and the cascade (IR2 initialised from the
loaded student), both through ``tools/train.py`` and tested with
``tools/test.py`` on test tiles of photos never seen in training. The table
gives PSNR/SSIM of both, the gain, parameters, inference time, and IR2 (the
teacher, training only) scored with the masks of its input and with the
ground truths' masks.
Writes results.md/json, one image grid per test tile and the loss curves.

Data: scikit-image's photos (no download); training inputs are degraded on
the fly, the test inputs once (fixed seed). Masks: SAM when
``--sam-checkpoint`` is given, Felzenszwalb otherwise.

Finished runs are reused when the config (its resolved content) and the
overrides match; an edited config reruns what it changes. For several seeds
and a confidence interval: tools/analysis_tools/paired_seeds.py.

Usage:
    python tools/demo/samdistill_demo.py [--degradation rain|blur|noise]
        [--seed 0] [--work-dir work_dirs/demo] [--data-root data/demo]
        [--stage-a-iters N] [--finetune-iters M]
        [--sam-checkpoint sam_vit_b.pth --sam-model-type vit_b]
        [--vgg torchvision://vgg16 | PATH | none]
        [--cfg-options k=v ...]   # applied to every run
"""
import argparse
import os
import os.path as osp
import statistics
import time

import cv2

from mmagic.utils import register_all_modules
# before mmsamdistill: it imports MMagic's models with their third-party
# deprecation warnings hidden
from mmsamdistill_demo import (DISTILL_CONFIG, TEACHER_GT_MASKS_PSNR,
                               TEACHER_PSNR, label_map_overlay,
                               plot_loss_curves, read_scalars,
                               run_paired_seed, vgg_options)
from mmsamdistill_demo.cli import (build_parser, data_from_args,
                                   regime_from_args)

from mmsamdistill.apis import (StudentRestorer, count_parameters,
                               save_restoration_grid, time_inference)
from mmsamdistill.datasets import read_label_map
from mmsamdistill.utils import dump_json_atomic, write_atomic


def parse_args() -> argparse.Namespace:
    parser = build_parser(__doc__, 'work_dirs/demo')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--grids', type=int, default=None,
                        help='image grids to write (default: every test '
                        'tile)')
    return parser.parse_args()


def markdown_table(header, rows) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def _fmt(value, digits=3) -> str:
    return '—' if value is None else f'{value:.{digits}f}'


def _shifted(series, offset):
    return [(step + offset, value) for step, value in series]


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    os.makedirs(args.work_dir, exist_ok=True)
    log = osp.join(args.work_dir, 'demo.log')
    data = data_from_args(args, log)
    print(f'data: {data.root} ({data.num_train} clean training tiles, '
          f'{args.degradation} synthesised on the fly; {data.num_test} test '
          f'tiles of other photos); masks: {data.source}', flush=True)
    regime = regime_from_args(args)
    if regime.vgg == 'none' and vgg_options(DISTILL_CONFIG, 'none'):
        print('SGR on VGG16: no pretrained VGG16 offline, a randomly '
              'initialised one (pass --vgg torchvision://vgg16 or a file)')
    pair = run_paired_seed(data, args.seed, regime, args.work_dir,
                           args.stage_a_root,
                           log=lambda m: print(m, flush=True))
    runs = dict(stock=pair.stock, distilled=pair.distilled)
    for name, run in runs.items():
        print(f'  {name}: PSNR {run.metrics["PSNR"]:.3f} '
              f'({run.train_seconds:.0f} s training)', flush=True)

    # Inference cost and the image grids, from the students alone.
    register_all_modules(init_default_scope=True)
    students = {
        name: StudentRestorer(
            osp.join(run.work_dir, osp.basename(run_config(run))),
            run.checkpoint)
        for name, run in runs.items()
    }
    # Interleaved rounds, so a load change on the machine hits both alike.
    timings = {name: [] for name in runs}
    for _ in range(5):
        for name in runs:
            timings[name].append(time_inference(
                students[name].generator, (1, 3, 128, 128), repeats=5,
                warmup=1))
    summary = pair.summary()
    rows = []
    stage_a = pair.stage_a.metrics
    rows.append(['stage A (the model you have)', _fmt(stage_a.get('PSNR')),
                 _fmt(stage_a.get('SSIM'), 4), '', '',
                 f'{pair.stage_a.train_seconds / 60:.1f}'])
    for name, label in (('stock', 'stock, continued'),
                        ('distilled', 'distilled (IR1)')):
        run = runs[name]
        net = students[name].generator
        seconds = statistics.median(timings[name])
        summary[f'{name}_params'] = count_parameters(net)
        summary[f'{name}_inference_ms'] = 1000 * seconds
        rows.append([
            label, _fmt(run.metrics['PSNR']),
            _fmt(run.metrics.get('SSIM'), 4), f'{count_parameters(net):,}',
            f'{1000 * seconds:.1f}', f'{run.train_seconds / 60:.1f}'
        ])
    distilled = pair.distilled.metrics
    for key, label in ((TEACHER_PSNR, 'IR2, masks of the degraded input'),
                       (TEACHER_GT_MASKS_PSNR,
                        "IR2, ground truths' masks (privileged)")):
        ssim_key = key.replace('PSNR', 'SSIM')
        rows.append([label, _fmt(distilled.get(key)),
                     _fmt(distilled.get(ssim_key), 4),
                     '(training only)', '', ''])
    table = markdown_table(
        ['model', 'PSNR', 'SSIM', 'params', 'inference ms (128x128, CPU)',
         'train min'], rows)

    grid_dir = osp.join(args.work_dir, args.degradation, 'grids')
    names = sorted(os.listdir(data.test_lq))[:args.grids]
    for name in names:
        lq = cv2.cvtColor(cv2.imread(osp.join(data.test_lq, name)),
                          cv2.COLOR_BGR2RGB)
        gt = cv2.cvtColor(cv2.imread(osp.join(data.test_gt, name)),
                          cv2.COLOR_BGR2RGB)
        labels = read_label_map(osp.join(data.test_lq_masks, name))
        save_restoration_grid(osp.join(grid_dir, name), [
            ('degraded', lq), ('stock', students['stock'](lq)),
            ('distilled', students['distilled'](lq)), ('ground truth', gt),
            (f'{data.source} masks (input)', label_map_overlay(lq, labels))
        ])

    stage_a_losses = read_scalars(pair.stage_a.work_dir)
    offset = _last_step(stage_a_losses)
    stock_losses = read_scalars(pair.stock.work_dir)
    distill_losses = read_scalars(pair.distilled.work_dir)
    pixel = [('stage A: loss', stage_a_losses['loss']),
             ('stock continued: loss', _shifted(stock_losses['loss'],
                                                offset))]
    pixel += [(f'cascade: {key}', _shifted(distill_losses[key], offset))
              for key in ('loss_recon1', 'loss_recon2')
              if key in distill_losses]
    distillation = [(f'cascade: {key}', _shifted(series, offset))
                    for key, series in sorted(distill_losses.items())
                    if key not in ('loss', 'loss_recon1', 'loss_recon2')]
    curve_path = osp.join(args.work_dir, args.degradation, 'loss_curves.png')
    plot_loss_curves(curve_path, [
        ('pixel losses (stock vs cascade IR1/IR2)', pixel),
        ('weighted distillation terms (log)', distillation)
    ], log_scale=[False, True])

    gain = pair.gain
    report = (
        f'{table}\n\nPSNR gain of the distilled student over the stock model '
        f'continued for the same iterations: {gain:+.3f} dB ({data.num_test}'
        f' test tiles; {args.degradation}; masks: {data.source}; seed '
        f'{args.seed}; same start, data order, crops and inference network).'
        '\nOne seed: see tools/analysis_tools/paired_seeds.py for the mean '
        'over seeds with a confidence interval.\n')
    out_dir = osp.join(args.work_dir, args.degradation)
    write_atomic(osp.join(out_dir, 'results.md'),
                 lambda tmp: open(tmp, 'w', encoding='utf-8').write(report))
    dump_json_atomic(
        dict(summary, degradation=args.degradation, mask_source=data.source,
             vgg=regime.vgg, num_test_images=data.num_test,
             num_train_tiles=data.num_train,
             stage_a_metrics=stage_a, stock_metrics=pair.stock.metrics,
             distilled_metrics=distilled),
        osp.join(out_dir, 'results.json'))
    print('\n' + report)
    print(f'image grids (degraded | stock | distilled | ground truth | '
          f'masks): {grid_dir}/')
    print(f'loss curves: {curve_path}')
    print(f'table: {out_dir}/results.md; logs: {log}, '
          f'{out_dir}/seed{args.seed}/<run>/tools.log')
    print(f'demo finished in {(time.perf_counter() - start) / 60:.1f} min')


def run_config(run) -> str:
    """The config a run was trained with (from its settings)."""
    import json
    with open(osp.join(run.work_dir, 'run_settings.json'),
              encoding='utf-8') as f:
        return json.load(f)['config']


def _last_step(series) -> int:
    return max((s for values in series.values() for s, _ in values),
               default=0)


if __name__ == '__main__':
    main()
