"""The paper's Table 5 ablation on the demo's paired regime, over seeds.

Every row starts from the same stage-A checkpoint of its seed (the stock
tiny NAFNet, shared with ``tools/demo/samdistill_demo.py`` and
``tools/analysis_tools/paired_seeds.py`` when the settings match) and trains
M more iterations with the same seed, data order and crops; the first row
is the stock model continued, the others the cascade
(``configs/demo/nafnet_tiny_demo_rain_samdistill.py``) with the row's
overrides. Columns: IR1 (the network that ships) PSNR/SSIM, the mean paired
ΔIR1 against the first row with a 95 % Student-t interval over seeds, and
IR2 (the teacher) scored with the masks of its input — what it would see at
test time — with its lead over IR1.

Rows are data: edit ``ROWS`` below (name -> cfg-options dict; ``None`` as
the dict = the stock model continued). Finished runs are reused when the
config (its resolved content) and the overrides match, so an interrupted
ablation resumes and an edited config reruns what it changes.

Usage:
    python tools/analysis_tools/ablation_demo.py [--seeds 0 1 2]
        [--degradation rain] [--rows 2 3] [--work-dir work_dirs/ablation_demo]
        [--stage-a-iters N] [--finetune-iters M] [--cfg-options k=v ...]
"""
import argparse
import os
import os.path as osp
import time

# before mmsamdistill: it imports MMagic's models with their third-party
# deprecation warnings hidden
from mmsamdistill_demo import (DISTILL_CONFIG, FINETUNE_CONFIG,
                               TEACHER_GT_MASKS_PSNR, TEACHER_PSNR,
                               continuation_options, mean_std, run_stage_a,
                               run_train_test, t_interval, to_cfg_options)
from mmsamdistill_demo.cli import (build_parser, data_from_args,
                                   regime_from_args)

from mmsamdistill.utils import dump_json_atomic, write_atomic

# name -> overrides of the cascade config ({dotted key: value}; None disables
# a part, a dict replaces a whole part, see
# mmsamdistill_demo.to_cfg_options); the value None (instead of a dict) is
# the stock model continued, the baseline of every ΔIR1. The key PRIOR_KEY
# picks the row's cached masks (a key of mmsamdistill_demo.masks.PRIORS;
# default: --prior). 'teacher only' rows train IR2
# with the prior but distil nothing: IR1 stays the stock continuation and
# IR2 − IR1 measures how much each prior lets the teacher lead. '+' rows
# add one transfer mechanism to the teacher on the default prior.
PRIOR_KEY = 'masks'
NO_DISTILLATION = {
    'model.spd_loss': None,
    'model.sgr_loss': None,
    'model.feature_loss': None,
    'model.view_loss': None,
    'model.teacher_ema': None,
}
SOFT_PRIOR = {
    'model.mask_source': dict(type='SegmenterProbabilityPrior',
                              segmenter=dict(type='PascalDeepLabV3')),
    'model.num_masks': 21,
}
ONLY = dict(NO_DISTILLATION)  # the '+' rows switch one part back on
SPD_GATED = dict(type='SPDLoss', loss_weight=1.0, gate='pixel')
MOBILENET_SGR = dict(
    type='SGRLoss', loss_weight=1.0, features='network',
    network=dict(type='MobileNetV2FeatureExtractor', layer='features.13'))
ROWS = {
    'stock continued': None,
    'cascade, no SPF, no distillation': dict(NO_DISTILLATION,
                                             **{'model.spf': None}),
    'teacher only, Felzenszwalb masks': dict(NO_DISTILLATION,
                                             masks='felzenszwalb'),
    'teacher only, segmenter classes': dict(NO_DISTILLATION,
                                            masks='segmenter_classes'),
    'teacher only, segmenter classes by segments': dict(
        NO_DISTILLATION, masks='segmenter_classes_by_segments'),
    'teacher only, segmenter probabilities (soft)': dict(NO_DISTILLATION,
                                                         **SOFT_PRIOR),
    '+ SPD gated': dict(ONLY, **{
        'model.spd_loss': SPD_GATED,
        'model.distill_weights.grad_fraction': dict(spd=0.1)}),
    '+ SPD, paper λ1': dict(ONLY, **{
        'model.spd_loss': dict(type='SPDLoss', loss_weight=0.005),
        'model.distill_weights.grad_fraction': None}),
    '+ SGR on ImageNet MobileNetV2': dict(ONLY, **{
        'model.sgr_loss': MOBILENET_SGR,
        'model.distill_weights.grad_fraction': dict(sgr=0.05)}),
    '+ SGR on cascade features': dict(ONLY, **{
        'model.sgr_loss': dict(type='SGRLoss', loss_weight=1.0,
                               features='cascade'),
        'model.distill_weights.grad_fraction': dict(sgr=0.05)}),
    '+ SGR on VGG16 (random init: no weights offline)': dict(ONLY, **{
        'model.sgr_loss': dict(
            type='SGRLoss', loss_weight=1.0, features='network',
            network=dict(type='VGGFeatureExtractor', pretrained=None)),
        'model.distill_weights.grad_fraction': dict(sgr=0.05)}),
    '+ feature distillation': dict(ONLY, **{
        'model.feature_loss': dict(type='FeatureDistillLoss'),
        'model.distill_weights.grad_fraction': dict(feature=0.1)}),
    '+ SPD gated, EMA teacher': dict(ONLY, **{
        'model.spd_loss': SPD_GATED,
        'model.teacher_ema': 0.99,
        'model.distill_weights.grad_fraction': dict(spd=0.1)}),
    '+ teacher-labelled views': dict(ONLY, **{
        'model.view_loss': dict(type='ViewDistillLoss'),
        'model.distill_weights.grad_fraction': dict(views=0.1)}),
    '+ teacher-labelled views, EMA teacher': dict(ONLY, **{
        'model.view_loss': dict(type='ViewDistillLoss'),
        'model.teacher_ema': 0.99,
        'model.distill_weights.grad_fraction': dict(views=0.1)}),
    'default (configs/demo/*_samdistill.py)': {},
}


def parse_args() -> argparse.Namespace:
    parser = build_parser(__doc__, 'work_dirs/ablation_demo')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--rows', type=int, nargs='+',
        help='run only these rows of ROWS (0, the baseline, always runs)')
    parser.add_argument('--confidence', type=float, default=0.95)
    return parser.parse_args()


def slug(name: str) -> str:
    return ''.join(c if c.isalnum() else '_' for c in name).strip('_')


def table(results: dict, baseline: str, confidence: float = 0.95) -> str:
    """Markdown table of {row: {seed: metrics}}."""
    lines = [
        '| IR1 trained with | IR1 PSNR | IR1 SSIM | ΔIR1 vs '
        f'{baseline} (paired, {100 * confidence:g} % CI) | IR2 PSNR '
        '(input masks) | IR2 − IR1 | IR2 PSNR (GT masks) |',
        '|---|---|---|---|---|---|---|'
    ]
    base = results[baseline]
    for row, by_seed in results.items():
        seeds = list(by_seed)
        psnr = [by_seed[s]['PSNR'] for s in seeds]
        ssim = [by_seed[s]['SSIM'] for s in seeds]
        if row == baseline:
            delta = '—'
        else:
            paired = [s for s in seeds if s in base]
            delta = t_interval(
                [by_seed[s]['PSNR'] - base[s]['PSNR'] for s in paired],
                confidence).format(3) if paired else '—'
        teacher = [by_seed[s][TEACHER_PSNR] for s in seeds
                   if TEACHER_PSNR in by_seed[s]]
        lead = [by_seed[s][TEACHER_PSNR] - by_seed[s]['PSNR'] for s in seeds
                if TEACHER_PSNR in by_seed[s]]
        gt = [by_seed[s][TEACHER_GT_MASKS_PSNR] for s in seeds
              if TEACHER_GT_MASKS_PSNR in by_seed[s]]
        lines.append(
            f'| {row} | {mean_std(psnr)} | {mean_std(ssim, 4)} | {delta} | '
            f'{mean_std(teacher) if teacher else "—"} | '
            f'{t_interval(lead, confidence).format(3) if lead else "—"} | '
            f'{mean_std(gt) if gt else "—"} |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    out_dir = osp.join(args.work_dir, args.degradation)
    os.makedirs(out_dir, exist_ok=True)
    log = osp.join(args.work_dir, 'ablation.log')
    regime = regime_from_args(args)
    rows = list(ROWS.items())
    if args.rows:
        keep = {0, *args.rows}
        rows = [row for i, row in enumerate(rows) if i in keep]
    baseline = rows[0][0]
    priors = {name: (overrides or {}).get(PRIOR_KEY, args.prior)
              for name, overrides in rows}
    data_of = {prior: data_from_args(args, log, prior)
               for prior in sorted(set(priors.values()))}
    data = data_of[args.prior] if args.prior in data_of else next(
        iter(data_of.values()))

    results = {name: {} for name, _ in rows}
    for seed in args.seeds:
        # stage A reads no masks: one run serves every prior
        stage_a = run_stage_a(data, seed, regime, args.stage_a_root)
        for name, overrides in rows:
            config = FINETUNE_CONFIG if overrides is None else DISTILL_CONFIG
            overrides = {k: v for k, v in (overrides or {}).items()
                         if k != PRIOR_KEY}
            run = run_train_test(
                config, osp.join(out_dir, slug(name), f'seed{seed}'),
                continuation_options(config, data_of[priors[name]], seed,
                                     stage_a, regime,
                                     to_cfg_options(overrides)))
            results[name][seed] = dict(run.metrics,
                                       train_seconds=run.train_seconds)
            teacher = run.metrics.get(TEACHER_PSNR)
            print(f'{name:<28} seed {seed}: IR1 {run.metrics["PSNR"]:.3f}'
                  + (f', IR2 {teacher:.3f}' if teacher is not None else ''),
                  flush=True)

    text = table(results, baseline, args.confidence)
    note = (f'\n{len(args.seeds)} seeds {args.seeds}; every row starts from '
            f'the same stage-A checkpoint per seed; {data.num_test} test '
            f'images; {args.degradation}; masks: {args.prior} unless the row '
            'names another prior; PSNR/SSIM mean ± std over seeds; ΔIR1 and '
            'IR2 − IR1: mean with a Student-t interval over seeds.\n')
    write_atomic(osp.join(out_dir, 'ablation.md'),
                 lambda tmp: open(tmp, 'w', encoding='utf-8').write(
                     text + '\n' + note))
    dump_json_atomic(
        dict(rows={name: ROWS[name] for name, _ in rows}, results=results,
             seeds=args.seeds, num_test_images=data.num_test,
             degradation=args.degradation, prior=args.prior,
             stage_a_iters=regime.stage_a_iters,
             finetune_iters=regime.finetune_iters,
             cfg_options=regime.cfg_options),
        osp.join(out_dir, 'ablation.json'))
    print('\n' + text + '\n' + note)
    print(f'written to {out_dir}/ablation.md '
          f'({(time.perf_counter() - start) / 60:.1f} min)')


if __name__ == '__main__':
    main()
