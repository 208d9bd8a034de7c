"""The demo's paired comparison over several seeds, with a confidence interval.

For each seed: stage A (the stock tiny NAFNet from scratch), then from its
checkpoint the stock model continued and the cascade, same seed, data order,
crops and iterations (the regime of ``tools/demo/samdistill_demo.py``, whose
runs are reused: ``--work-dir`` defaults to the demo's). Prints per-seed
PSNRs, the mean paired gain (distilled − stock) with a 95 % Student-t
interval over seeds (n − 1 degrees of freedom), the number of test images,
and IR2's lead over IR1 (IR2 scored with the masks of its input, and with
the ground truths' masks). Resumable: finished runs are reused. Writes
``<work-dir>/<degradation>/paired_seeds.{md,json}``.

Usage:
    python tools/analysis_tools/paired_seeds.py --seeds 0 1 2
        [--degradation rain|blur|noise] [--work-dir work_dirs/demo]
        [--stage-a-iters N] [--finetune-iters M] [--cfg-options k=v ...]
"""
import argparse
import os
import os.path as osp
import time

# before mmsamdistill: it imports MMagic's models with their third-party
# deprecation warnings hidden
from mmsamdistill_demo import run_paired_seed, t_interval
from mmsamdistill_demo.cli import (build_parser, data_from_args,
                                   regime_from_args)

from mmsamdistill.utils import dump_json_atomic, write_atomic


def parse_args() -> argparse.Namespace:
    parser = build_parser(__doc__, 'work_dirs/demo')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--confidence', type=float, default=0.95)
    return parser.parse_args()


def _fmt(value, digits: int = 3, sign: bool = False) -> str:
    if value is None:
        return '—'
    return f'{value:+.{digits}f}' if sign else f'{value:.{digits}f}'


def report(summaries, num_test: int, degradation: str, source: str,
           confidence: float = 0.95) -> tuple:
    """Markdown and JSON of per-seed summaries (``PairedSeed.summary``)."""
    lines = [
        '| seed | stage A PSNR | stock PSNR | distilled PSNR | gain | '
        'IR2 PSNR (input masks) | IR2 − IR1 | IR2 PSNR (GT masks) |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for s in summaries:
        lines.append(
            f'| {s["seed"]} | {_fmt(s["stage_a_psnr"])} | '
            f'{_fmt(s["stock_psnr"])} | {_fmt(s["distilled_psnr"])} | '
            f'{_fmt(s["gain_db"], sign=True)} | '
            f'{_fmt(s["teacher_psnr_lq_masks"])} | '
            f'{_fmt(s["teacher_lead_db"], sign=True)} | '
            f'{_fmt(s["teacher_psnr_gt_masks"])} |')
    gain = t_interval([s['gain_db'] for s in summaries], confidence)
    leads = [s['teacher_lead_db'] for s in summaries
             if s['teacher_lead_db'] is not None]
    lead = t_interval(leads, confidence) if leads else None
    gt_leads = [s['teacher_psnr_gt_masks'] - s['distilled_psnr']
                for s in summaries if s['teacher_psnr_gt_masks'] is not None]
    gt_lead = t_interval(gt_leads, confidence) if gt_leads else None
    text = '\n'.join(lines) + '\n\n' + '\n'.join([
        f'Mean paired gain (distilled − stock continued), {len(summaries)} '
        f'seeds: {gain.format(3, " dB")}'
        + (' — excludes 0' if gain.excludes_zero() else ''),
        'IR2 ahead of IR1 (masks of the degraded input): '
        + (lead.format(3, ' dB') if lead else '—'),
        "IR2 ahead of IR1 (ground truths' masks, privileged): "
        + (gt_lead.format(3, ' dB') if gt_lead else '—'),
        f'{num_test} test images per seed; {degradation}; masks: {source}; '
        f'Student-t interval over seeds (n − 1 = {len(summaries) - 1} '
        'degrees of freedom).'
    ]) + '\n'
    result = dict(
        seeds=summaries, gain=gain.as_dict(),
        teacher_lead=lead.as_dict() if lead else None,
        teacher_lead_gt_masks=gt_lead.as_dict() if gt_lead else None,
        num_test_images=num_test, degradation=degradation,
        mask_source=source)
    return text, result


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    out_dir = osp.join(args.work_dir, args.degradation)
    os.makedirs(out_dir, exist_ok=True)
    log = osp.join(args.work_dir, 'paired_seeds.log')
    data = data_from_args(args, log)
    regime = regime_from_args(args)
    summaries = []
    for seed in args.seeds:
        pair = run_paired_seed(data, seed, regime, args.work_dir,
                               args.stage_a_root,
                               log=lambda m: print(m, flush=True))
        summaries.append(pair.summary())
        print(f'seed {seed}: stock {pair.stock.metrics["PSNR"]:.3f}, '
              f'distilled {pair.distilled.metrics["PSNR"]:.3f} '
              f'({pair.gain:+.3f} dB)', flush=True)
    text, result = report(summaries, data.num_test, args.degradation,
                          data.source, args.confidence)
    result.update(stage_a_iters=regime.stage_a_iters,
                  finetune_iters=regime.finetune_iters,
                  cfg_options=regime.cfg_options)
    write_atomic(osp.join(out_dir, 'paired_seeds.md'),
                 lambda tmp: open(tmp, 'w', encoding='utf-8').write(text))
    dump_json_atomic(result, osp.join(out_dir, 'paired_seeds.json'))
    print('\n' + text)
    print(f'written to {out_dir}/paired_seeds.md '
          f'({(time.perf_counter() - start) / 60:.1f} min)')


if __name__ == '__main__':
    main()
