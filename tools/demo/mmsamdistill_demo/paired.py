"""The demo's paired regime: teacher first, upgrade the model you have.

Per seed:

* stage A: the stock tiny NAFNet (``STOCK_CONFIG``) trained for N
  iterations; its checkpoint is shared by everything below (and by every
  tool, when the settings match);
* stage B, from that checkpoint, two runs of M iterations with the same
  seed, data order and crops: the stock model continued with its own pixel
  loss (``FINETUNE_CONFIG``), and the cascade (``DISTILL_CONFIG``), whose
  student is the stage-A model (the restorer initialises IR2 from it);
* both tested with ``tools/test.py`` on the same test tiles; the cascade's
  test also scores IR2 with the masks of its input (``teacher/PSNR``) and
  with the ground truths' masks (``teacher_gt_masks/PSNR``).
"""
import hashlib
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence

from mmengine import Config

from mmsamdistill.data_preparation import build_demo_data
from mmsamdistill.datasets.transforms.synthesize_degradation import \
    DEGRADATIONS
from .experiment import REPO_ROOT, RunResult, read_validation, run_train_test
from .masks import generate_masks

STOCK_CONFIG = 'configs/demo/nafnet_tiny_demo_rain.py'
FINETUNE_CONFIG = 'configs/demo/nafnet_tiny_demo_rain_finetune.py'
DISTILL_CONFIG = 'configs/demo/nafnet_tiny_demo_rain_samdistill.py'
# Metric names of the cascade's test (configs/demo/*_samdistill.py).
TEACHER_PSNR = 'teacher/PSNR'
TEACHER_GT_MASKS_PSNR = 'teacher_gt_masks/PSNR'


@dataclass
class DemoData:
    """Folders of the demo data for one degradation and one mask source."""
    root: str
    degradation: str
    source: str
    num_train: int
    num_test: int

    @property
    def train_gt(self) -> str:
        return osp.join(self.root, 'train', 'gt')

    @property
    def train_masks(self) -> str:
        return osp.join(self.root, 'train', f'masks_{self.source}')

    @property
    def test_gt(self) -> str:
        return osp.join(self.root, 'test', 'gt')

    @property
    def test_lq_name(self) -> str:
        return f'lq_{self.degradation}'

    @property
    def test_lq(self) -> str:
        return osp.join(self.root, 'test', self.test_lq_name)

    @property
    def test_lq_masks(self) -> str:
        return osp.join(self.root, 'test',
                        f'masks_{self.source}_{self.test_lq_name}')

    @property
    def test_gt_masks(self) -> str:
        return osp.join(self.root, 'test', f'masks_{self.source}_gt')


def prepare_data(root: str, degradation: str, source: str,
                 generator_args: List[str], log_path: str,
                 **data_settings) -> DemoData:
    """Build (or reuse) the data and the masks of one degradation.

    Masks: of the clean training tiles (the training inputs are synthesised
    on the fly, so these are the cache), of the degraded test inputs (what
    IR2 sees at test time) and of the test ground truths.

    Args:
        root (str): Data root (``build_demo_data``).
        degradation (str): ``'rain'``, ``'blur'`` or ``'noise'``.
        source (str): Mask source name (folder names), from ``mask_source``.
        generator_args (list[str]): ``generate_sam_masks.py`` arguments.
        log_path (str): The mask tool's output is appended here.
        **data_settings: Settings of ``build_demo_data`` (``tile_size``,
            ``test_seed``, ...).

    Returns:
        DemoData: The folders.
    """
    if degradation not in DEGRADATIONS:
        raise ValueError(f'degradation must be one of {DEGRADATIONS}, got '
                         f'{degradation!r}')
    root = osp.abspath(root)
    meta = build_demo_data(root, (degradation, ), **data_settings)
    data = DemoData(root, degradation, source, meta['num_images']['train'],
                    meta['num_images']['test'])
    for images, masks in ((data.train_gt, data.train_masks),
                          (data.test_lq, data.test_lq_masks),
                          (data.test_gt, data.test_gt_masks)):
        generate_masks(images, masks, generator_args, log_path)
    return data


def _loaders(cfg: Config, key: str):
    loaders = cfg.get(key)
    if loaders is None:
        return []
    if isinstance(loaders, (list, tuple)):
        return [(f'{key}.{i}', loader) for i, loader in enumerate(loaders)]
    return [(key, loaders)]


def _steps(pipeline, key: str):
    """(option key, transform) of each transform of ``pipeline``, those that
    a ``WithSAMMasks`` wraps included."""
    for i, step in enumerate(pipeline):
        yield f'{key}.{i}', step
        if step.type == 'WithSAMMasks':
            yield from _steps(step.pipeline, f'{key}.{i}.pipeline')


def data_options(config: str, data: DemoData) -> List[str]:
    """``--cfg-options`` that point a demo config at ``data``.

    The degradation of ``SynthesizeDegradation``, the data roots, the test
    inputs and every ``LoadSAMMask`` or ``WithSAMMasks`` (train: the clean
    tiles' masks; test: the masks of the image it names, LQ or GT) are
    located in the config's pipelines (inside ``WithSAMMasks`` too), so
    inserting transforms does not break the overrides.

    Args:
        config (str): A config of ``configs/demo``.
        data (DemoData): The data.

    Returns:
        list[str]: ``key=value`` overrides.
    """
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    options = []
    for prefix, loader in _loaders(cfg, 'train_dataloader'):
        options.append(f'{prefix}.dataset.data_root={data.root}/train')
        for key, step in _steps(loader.dataset.pipeline,
                                f'{prefix}.dataset.pipeline'):
            if step.type == 'SynthesizeDegradation':
                options.append(f'{key}.kind={data.degradation}')
            elif step.type in ('LoadSAMMask', 'WithSAMMasks'):
                options += [f'{key}.mask_root={data.train_masks}',
                            f'{key}.image_root={data.train_gt}']
    for prefix, loader in (_loaders(cfg, 'val_dataloader') +
                           _loaders(cfg, 'test_dataloader')):
        options += [f'{prefix}.dataset.data_root={data.root}/test',
                    f'{prefix}.dataset.data_prefix.img={data.test_lq_name}']
        for key, step in _steps(loader.dataset.get('pipeline', []),
                                f'{prefix}.dataset.pipeline'):
            if step.type not in ('LoadSAMMask', 'WithSAMMasks'):
                continue
            if step.get('image_key', 'gt') == 'img':
                options += [f'{key}.mask_root={data.test_lq_masks}',
                            f'{key}.image_root={data.test_lq}']
            else:
                options += [f'{key}.mask_root={data.test_gt_masks}',
                            f'{key}.image_root={data.test_gt}']
    return options


def vgg_options(config: str, vgg: Optional[str]) -> List[str]:
    """Point SGR's VGG at ``vgg`` if the config's model has one."""
    if vgg is None:
        return []
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    sgr = cfg.model.get('sgr_loss')
    network = (sgr or {}).get('network')
    if not isinstance(network, dict) or network.get(
            'type') != 'VGGFeatureExtractor':
        return []
    value = 'None' if vgg in ('none', 'None') else vgg
    return [f'model.sgr_loss.network.pretrained={value}']


def budget_options(iters: Optional[int],
                   val_interval: Optional[int] = None) -> List[str]:
    """Iterations, cosine period, checkpoint and validation interval."""
    if iters is None:
        return []
    return [
        f'train_cfg.max_iters={iters}',
        f'train_cfg.val_interval={val_interval or iters}',
        f'param_scheduler.T_max={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]


def to_cfg_options(overrides: Optional[Mapping]) -> List[str]:
    """``--cfg-options`` strings from a {dotted key: value} mapping.

    ``None`` disables a part (``model.spd_loss=None``); a dict replaces the
    whole part (``model.feature_loss=dict(type='FeatureDistillLoss')``,
    written with MMEngine's ``_delete_``, so it also works where the base
    has None); change single fields with dotted keys
    (``'model.spd_loss.gate': 'pixel'``).
    """
    options = []
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            # Only the replaced part is deleted; the dicts inside it are
            # new, so their keys are plain.
            options.append(f'{key}._delete_=True')
            options += _flat_options(key, value)
        elif isinstance(value, (list, tuple)):
            inner = ','.join(_scalar(v) for v in value)
            options.append(f'{key}=' + (f'({inner},)' if isinstance(
                value, tuple) else f'[{inner}]'))
        else:
            options.append(f'{key}={_scalar(value)}')
    return options


def _flat_options(prefix: str, value: Mapping) -> List[str]:
    """``prefix.k=v`` strings of a nested dict, without ``_delete_``."""
    options = []
    for key, item in value.items():
        if isinstance(item, Mapping):
            options += _flat_options(f'{prefix}.{key}', item)
        else:
            options += to_cfg_options({f'{prefix}.{key}': item})
    return options


def _scalar(value) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return str(value)
    text = str(value)
    if any(c in text for c in ' ,()[]'):
        raise ValueError(f'{value!r} cannot be passed through --cfg-options '
                         '(spaces, commas or brackets)')
    return text


@dataclass
class Regime:
    """The budget of the paired comparison.

    Args:
        stage_a_iters (int, optional): N; None keeps the stock config's.
        finetune_iters (int, optional): M; None keeps the configs'.
        vgg (str, optional): SGR's VGG weights ('none': random init).
        cfg_options (list[str]): Overrides for every run.
        stage_a_options (list[str]): Overrides for stage A only.
    """
    stage_a_iters: Optional[int] = None
    finetune_iters: Optional[int] = None
    vgg: Optional[str] = None
    cfg_options: List[str] = field(default_factory=list)
    stage_a_options: List[str] = field(default_factory=list)


def _slug(options: Sequence[str]) -> str:
    return hashlib.sha1(json.dumps(list(options)).encode()).hexdigest()[:8]


def run_stage_a(data: DemoData, seed: int, regime: Regime,
                root: str) -> RunResult:
    """Stage A of one seed (shared by every tool whose settings match).

    The run lives in ``root/<degradation>/seed<seed>/stage_a_<hash of its
    settings>``, so tools with other stage-A settings never overwrite it.
    It is not tested: its last validation (the same test split) is read
    from the log.
    """
    options = [
        f'randomness.seed={seed}', *data_options(STOCK_CONFIG, data),
        *budget_options(regime.stage_a_iters), *regime.cfg_options,
        *regime.stage_a_options
    ]
    work_dir = osp.join(root, data.degradation, f'seed{seed}',
                        f'stage_a_{_slug([STOCK_CONFIG, *options])}')
    run = run_train_test(STOCK_CONFIG, work_dir, options, test=False)
    if not run.metrics:
        validations = [r for r in read_validation(run.work_dir)
                       if 'PSNR' in r]
        if validations:
            run.metrics = {k: v for k, v in validations[-1].items()
                           if k != 'step'}
    return run


def continuation_options(config: str, data: DemoData, seed: int,
                         stage_a: RunResult, regime: Regime,
                         extra: Sequence[str] = ()) -> List[str]:
    """Overrides of a stage-B run of ``config`` from ``stage_a``."""
    return [
        f'randomness.seed={seed}', f'load_from={stage_a.checkpoint}',
        *data_options(config, data), *vgg_options(config, regime.vgg),
        *budget_options(regime.finetune_iters), *regime.cfg_options, *extra
    ]


def resolved_config(config: str, options: Sequence[str]) -> Config:
    """``config`` with ``--cfg-options`` ``options`` applied, as the tools
    apply them."""
    import argparse

    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    if options:
        cfg.merge_from_dict(
            parser.parse_args(['--cfg-options', *options]).cfg_options)
    return cfg


def schedule_warning(config: str, options: Sequence[str]) -> Optional[str]:
    """A warning when the distillation would never start in the run."""
    cfg = resolved_config(config, options)
    weights = cfg.model.get('distill_weights') or {}
    start = weights.get('start_iter', 0) or 0
    if start >= cfg.train_cfg.max_iters:
        return (f'{config}: distillation starts at iteration {start}, but '
                f'the run has {cfg.train_cfg.max_iters}: it never distils '
                '(set model.distill_weights.start_iter)')
    return None


@dataclass
class PairedSeed:
    """The three runs of one seed."""
    seed: int
    stage_a: RunResult
    stock: RunResult
    distilled: RunResult

    @property
    def gain(self) -> float:
        return self.distilled.metrics['PSNR'] - self.stock.metrics['PSNR']

    def summary(self) -> Dict[str, Optional[float]]:
        distilled = self.distilled.metrics
        return dict(
            seed=self.seed,
            stage_a_psnr=self.stage_a.metrics.get('PSNR'),
            stock_psnr=self.stock.metrics['PSNR'],
            stock_ssim=self.stock.metrics.get('SSIM'),
            distilled_psnr=distilled['PSNR'],
            distilled_ssim=distilled.get('SSIM'),
            gain_db=self.gain,
            teacher_psnr_lq_masks=distilled.get(TEACHER_PSNR),
            teacher_psnr_gt_masks=distilled.get(TEACHER_GT_MASKS_PSNR),
            teacher_lead_db=(distilled[TEACHER_PSNR] - distilled['PSNR']
                             if TEACHER_PSNR in distilled else None),
            stock_train_seconds=self.stock.train_seconds,
            distilled_train_seconds=self.distilled.train_seconds,
            stage_a_train_seconds=self.stage_a.train_seconds)


def run_paired_seed(data: DemoData, seed: int, regime: Regime,
                    work_dir: str, stage_a_root: Optional[str] = None,
                    log=print) -> PairedSeed:
    """Stage A, then the stock and the distilled continuation, one seed.

    Args:
        data (DemoData): The data.
        seed (int): Seed of all three runs (``randomness.seed``).
        regime (Regime): The budget and overrides.
        work_dir (str): Runs go to ``work_dir/<degradation>/seed<seed>/``.
        stage_a_root (str, optional): Root of the shared stage-A runs.
            Defaults to ``work_dir``.
        log (callable): Progress messages.

    Returns:
        PairedSeed: The runs (finished ones are reused).
    """
    log(f'seed {seed}: stage A (stock, from scratch) ...')
    stage_a = run_stage_a(data, seed, regime, stage_a_root or work_dir)
    runs = {}
    for name, config in (('stock', FINETUNE_CONFIG),
                         ('distilled', DISTILL_CONFIG)):
        log(f'seed {seed}: stage B, {name} ...')
        options = continuation_options(config, data, seed, stage_a, regime)
        if config == DISTILL_CONFIG:
            warning = schedule_warning(config, options)
            if warning:
                log(f'warning: {warning}')
        runs[name] = run_train_test(
            config, osp.join(work_dir, data.degradation, f'seed{seed}', name),
            options)
    return PairedSeed(seed, stage_a, runs['stock'], runs['distilled'])
