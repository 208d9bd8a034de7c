"""Cost of training with the SAM-distillation cascade vs the stock model.

Measured in one run, same generator, same batch, on one device:

* train-step time ratio (cascade with cached masks / stock), goal <= 2.2x;
* peak memory ratio (CUDA: max allocated; CPU: peak RSS growth of a fresh
  process during the steps), goal <= 2.5x;
* mask-loading overhead: extra data-pipeline time of LoadSAMMask and the
  mask-aware crop per batch, over the cascade's step time, goal <= 3 %;
* SGR's relation cost at N = 64 masks vs one forward of its network,
  goal <= 10 %;
* SGR's feature networks, forward and backward to the image: VGG16 relu4_3
  (torchvision's ImageNet weights) vs ImageNet MobileNetV2 (bundled);
* student vs stock parameters and FLOPs, which must be equal.

Usage:
    python tools/analysis_tools/benchmark_cascade.py CONFIG \
        [--batch-size 2] [--crop 128] [--iters 5] [--device cpu]
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Dict

import cv2
import numpy as np
import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmsamdistill  # noqa: F401
from mmsamdistill.datasets import write_label_map
from mmsamdistill.models.utils import label_map_to_masks, resize_masks
from mmsamdistill.utils import dump_json_atomic

STOCK_KEYS = ('generator', 'pixel_loss', 'data_preprocessor', 'train_cfg',
              'test_cfg')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a CascadeDistillRestorer config')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--crop', type=int, default=128)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the results as JSON')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--only', choices=['stock', 'cascade'],
                        help=argparse.SUPPRESS)  # internal: one child run
    return parser.parse_args()


def load_config(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('type') != 'CascadeDistillRestorer':
        raise ValueError(f'{args.config} does not train a '
                         'CascadeDistillRestorer')
    # Timing needs no pretrained VGG: random weights cost the same.
    network = (cfg.model.get('sgr_loss') or {}).get('network')
    if network and network.get('type') == 'VGGFeatureExtractor':
        network.pretrained = None
    init_default_scope(cfg.get('default_scope', 'mmagic'))
    return cfg


def build_model(cfg: Config, which: str, device: str):
    model_cfg = copy.deepcopy(cfg.model)
    if which == 'stock':
        model_cfg = dict(
            {k: model_cfg[k]
             for k in STOCK_KEYS if k in model_cfg},
            type='BaseEditModel')
    return MODELS.build(model_cfg).to(device)


def random_label_map(size: int, blocks: int, rng) -> np.ndarray:
    cells = rng.integers(1, blocks * blocks + 1, (blocks, blocks))
    return np.kron(cells, np.ones((size // blocks, size // blocks),
                                  dtype=np.int64)).astype(np.int32)


def make_batch(batch_size: int, crop: int) -> dict:
    rng = np.random.default_rng(0)
    samples, inputs = [], []
    for _ in range(batch_size):
        gt = torch.from_numpy(rng.integers(0, 256, (3, crop, crop),
                                           dtype=np.uint8))
        mask = torch.from_numpy(random_label_map(crop, 8, rng))[None]
        samples.append(DataSample(gt_img=gt, sam_mask=mask))
        inputs.append(gt.clone())
    return dict(inputs=inputs, data_samples=samples)


class PeakRSS:
    """Sample this process's resident memory in a thread; keep the peak."""

    def __init__(self) -> None:
        self.peak = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current() -> int:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self.current())

    def __enter__(self) -> 'PeakRSS':
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn: Callable, iters: int, warmup: int, device: str) -> float:
    """Median seconds of ``fn()`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_train_step(args: argparse.Namespace, which: str) -> Dict:
    """Time and memory of ``train_step`` for one model (child process)."""
    cfg = load_config(args)
    torch.manual_seed(0)
    model = build_model(cfg, which, args.device).train()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = make_batch(args.batch_size, args.crop)

    def step():
        model.train_step(copy.deepcopy(data), wrapper)

    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        seconds = timed(step, args.iters, args.warmup, args.device)
        peak = torch.cuda.max_memory_allocated() - base
    else:
        base = PeakRSS.current()
        with PeakRSS() as rss:
            seconds = timed(step, args.iters, args.warmup, args.device)
        peak = rss.peak - base
    return dict(seconds=seconds, peak_bytes=peak)


def measure_in_child(args: argparse.Namespace, which: str) -> Dict:
    """Run one model in a fresh process, so memory peaks do not mix."""
    cmd = [sys.executable, __file__, args.config, '--only', which,
           '--batch-size', str(args.batch_size), '--crop', str(args.crop),
           '--iters', str(args.iters), '--warmup', str(args.warmup),
           '--device', args.device]
    if args.cfg_options:
        cmd += ['--cfg-options'] + [f'{k}={v}' for k, v in
                                    args.cfg_options.items()]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_mask_loading(args: argparse.Namespace) -> float:
    """Extra pipeline seconds per batch caused by the SAM label maps."""
    rng = np.random.default_rng(0)
    size = 2 * args.crop
    with tempfile.TemporaryDirectory() as root:
        samples = []
        for i in range(args.batch_size):
            image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            for sub in ('gt', 'lq'):
                os.makedirs(osp.join(root, sub), exist_ok=True)
                cv2.imwrite(osp.join(root, sub, f'{i}.png'), image)
            write_label_map(
                osp.join(root, 'masks', f'{i}.png'),
                random_label_map(size, 16, rng))
            samples.append(dict(gt_path=osp.join(root, 'gt', f'{i}.png'),
                                img_path=osp.join(root, 'lq', f'{i}.png')))
        plain_keys, mask_keys = ['img', 'gt'], ['img', 'gt', 'sam_mask']

        def pipeline(with_masks):
            keys = mask_keys if with_masks else plain_keys
            steps = [
                dict(type='LoadImageFromFile', key='img'),
                dict(type='LoadImageFromFile', key='gt')
            ]
            if with_masks:
                steps.append(
                    dict(
                        type='LoadSAMMask',
                        mask_root=osp.join(root, 'masks'),
                        image_root=osp.join(root, 'gt')))
            steps += [
                dict(type='SetValues', dictionary=dict(scale=1)),
                dict(type='Flip', keys=keys, direction='horizontal'),
                dict(type='RandomTransposeHW', keys=keys),
                dict(type='PairedRandomCropWithMasks', gt_patch_size=args.crop,
                     extra_keys=keys[2:]),
                dict(type='PackInputs', data_keys=keys[2:]),
            ]
            return Compose(steps)

        def run(transform):
            return lambda: [transform(dict(s)) for s in samples]

        plain = timed(run(pipeline(False)), 10, 2, 'cpu')
        masked = timed(run(pipeline(True)), 10, 2, 'cpu')
    return max(masked - plain, 0.0)


def measure_sgr(cfg: Config, args: argparse.Namespace) -> Dict:
    """SGR's relation cost at N = 64 masks vs one forward of its network."""
    sgr = MODELS.build(cfg.model.sgr_loss)
    network = sgr.network
    images = torch.rand(args.batch_size, 3, args.crop, args.crop,
                        device=args.device)
    labels = torch.from_numpy(
        np.stack([random_label_map(args.crop, 8, np.random.default_rng(i))
                  for i in range(args.batch_size)]))[:, None]
    masks, valid = label_map_to_masks(labels.to(args.device), 64)
    with torch.no_grad():
        network_seconds = timed(lambda: network(images), args.iters, 1,
                                args.device)
        feats = network(images)
        small = resize_masks(masks, feats.shape[-2:])

        def relation_and_loss():
            diff = sgr.relation(feats, small) - sgr.relation(feats * 0.9,
                                                             small)
            return (diff.pow(2) * valid[:, :, None]).mean()

        relation_seconds = timed(relation_and_loss, args.iters, 1,
                                 args.device)
    return dict(network_seconds=network_seconds,
                relation_seconds=relation_seconds)


def measure_feature_networks(args: argparse.Namespace) -> Dict:
    """Forward + backward to the image of SGR's frozen feature networks."""
    networks = dict(
        vgg16=dict(type='VGGFeatureExtractor', pretrained=None),
        mobilenet_v2=dict(type='MobileNetV2FeatureExtractor'))
    seconds = {}
    for name, network_cfg in networks.items():
        network = MODELS.build(network_cfg).to(args.device)
        images = torch.rand(args.batch_size, 3, args.crop, args.crop,
                            device=args.device, requires_grad=True)

        def step(network=network, images=images):
            network(images).square().mean().backward()

        seconds[name] = timed(step, args.iters, 1, args.device)
    return seconds


def complexity(model: torch.nn.Module, crop: int) -> Dict:
    model = copy.deepcopy(model).cpu().eval()
    info = get_model_complexity_info(
        model, input_shape=(3, crop, crop), show_table=False,
        show_arch=False)
    return dict(flops=info['flops'], params=info['params'])


def main() -> None:
    args = parse_args()
    if args.only:
        print(json.dumps(measure_train_step(args, args.only)))
        return
    cfg = load_config(args)
    stock = measure_in_child(args, 'stock')
    cascade = measure_in_child(args, 'cascade')
    mask_seconds = measure_mask_loading(args)
    on_network = (cfg.model.get('sgr_loss') or {}).get(
        'features', 'network') == 'network'
    sgr = measure_sgr(cfg, args) if on_network else dict(
        relation_seconds=float('nan'), network_seconds=1.0)
    feature_networks = measure_feature_networks(args)
    student = build_model(cfg, 'cascade', 'cpu').generator
    reference = build_model(cfg, 'stock', 'cpu').generator
    cost_student, cost_stock = complexity(student, args.crop), complexity(
        reference, args.crop)

    results = dict(
        config=args.config, device=args.device, batch_size=args.batch_size,
        crop=args.crop,
        stock_step_s=stock['seconds'], cascade_step_s=cascade['seconds'],
        time_ratio=cascade['seconds'] / stock['seconds'],
        stock_peak_mib=stock['peak_bytes'] / 2**20,
        cascade_peak_mib=cascade['peak_bytes'] / 2**20,
        memory_ratio=cascade['peak_bytes'] / max(stock['peak_bytes'], 1),
        mask_loading_overhead=mask_seconds / cascade['seconds'],
        sgr_relation_vs_network=sgr['relation_seconds'] /
        sgr['network_seconds'],
        vgg16_step_s=feature_networks['vgg16'],
        mobilenet_v2_step_s=feature_networks['mobilenet_v2'],
        mobilenet_v2_vs_vgg16=feature_networks['mobilenet_v2'] /
        feature_networks['vgg16'],
        student_params=cost_student['params'],
        stock_params=cost_stock['params'],
        student_flops=cost_student['flops'],
        stock_flops=cost_stock['flops'])
    rows = [
        ('train step, stock (s)', f"{results['stock_step_s']:.3f}", ''),
        ('train step, cascade (s)', f"{results['cascade_step_s']:.3f}", ''),
        ('time ratio', f"{results['time_ratio']:.2f}x", '<= 2.2x'),
        ('peak memory, stock (MiB)', f"{results['stock_peak_mib']:.0f}", ''),
        ('peak memory, cascade (MiB)', f"{results['cascade_peak_mib']:.0f}",
         ''),
        ('memory ratio', f"{results['memory_ratio']:.2f}x", '<= 2.5x'),
        ('mask-loading overhead',
         f"{100 * results['mask_loading_overhead']:.2f} %", '<= 3 %'),
        ('SGR relation (N=64) / its network forward',
         f"{100 * results['sgr_relation_vs_network']:.2f} %", '<= 10 %'),
        ('SGR network fwd+bwd, VGG16 relu4_3 (s)',
         f"{results['vgg16_step_s']:.3f}", ''),
        ('SGR network fwd+bwd, MobileNetV2 features.13 (s)',
         f"{results['mobilenet_v2_step_s']:.3f}", ''),
        ('MobileNetV2 / VGG16', f"{results['mobilenet_v2_vs_vgg16']:.2f}x",
         ''),
        ('student / stock params',
         f"{results['student_params']} / {results['stock_params']}", 'equal'),
        ('student / stock FLOPs',
         f"{results['student_flops']} / {results['stock_flops']}", 'equal'),
    ]
    print(f'\n{args.config} on {args.device}, batch {args.batch_size}, '
          f'crop {args.crop}\n')
    print('| measure | value | goal |\n|---|---|---|')
    for name, value, goal in rows:
        print(f'| {name} | {value} | {goal} |')
    if args.out:
        dump_json_atomic(results, args.out)


if __name__ == '__main__':
    main()
