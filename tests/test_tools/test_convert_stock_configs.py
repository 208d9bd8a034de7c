"""Stock MMagic 1.2.0 configs convert with the README's recipe and no more.

One stock config per generator family used for restoration and
super-resolution (deblurring, denoising, JPEG artifact removal, deraining,
SR; colour and grayscale; a test-only config). Each case writes the child
config exactly as README "Converting any MMagic restoration config" shows
(the recipe is read from the README), lays out tiny generated images where
the stock config's training set lives, writes Felzenszwalb masks with
tools/misc/generate_sam_masks.py --dataset-config, trains 2 iterations with
tools/train.py (the generator shrunk by --cfg-options), exports the student
with tools/export_student.py and checks that the stock config, loaded with
the export, computes exactly what the student computes in the cascade.
"""
import os
import os.path as osp
import re
import runpy
import sys
import textwrap

import cv2
import numpy as np
import pytest
import torch
from mmagic.registry import MODELS
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from skimage import data as skdata

from mmsamdistill.models.editors.teacher_config import (infer_image_channels,
                                                        upscale_factor)
from mmsamdistill.utils import resolve_config_path
from tests.helpers import REPO, run_tool

README = osp.join(REPO, 'README.md')
ITERS = 2

# id -> stock config, tiny generator (cfg-options), recipe, extra lines
CASES = {
    'deblur-nafnet': dict(
        stock='nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py',
        shrink=['mid_channels=8', 'enc_blk_nums=[1,1]', 'middle_blk_num=1',
                'dec_blk_nums=[1,1]', 'train_size=(1,3,32,32)'],
        stock_test=True),
    'denoise-gray-swinir': dict(
        stock='swinir/swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-grayDN15.py',
        shrink=['depths=[1,1]', 'embed_dim=8', 'num_heads=[2,2]'],
        stock_test=True, test_fix='gray-test-loaders'),
    'jpeg-gray-swinir': dict(
        stock='swinir/swinir_s126w7d6e180_8xb1-lr2e-4-1600k_dfwb-grayCAR10.py',
        shrink=['depths=[1,1]', 'embed_dim=8', 'num_heads=[2,2]'],
        fix='grayscale-jpeg'),
    'derain-restormer-test-only': dict(
        stock='restormer/restormer_official_rain13k.py',
        shrink=['dim=8', 'num_blocks=[1,1,1,1]', 'num_refinement_blocks=1',
                'heads=[1,1,1,1]'],
        test_only=True),
    'denoise-restormer-test-only-on-the-fly': dict(
        stock='restormer/restormer_official_dfwb-color-sigma15.py',
        shrink=['dim=8', 'num_blocks=[1,1,1,1]', 'num_refinement_blocks=1',
                'heads=[1,1,1,1]'],
        recipe='<!-- recipe: test-only, degraded on the fly -->'),
    'sr-x2-edsr': dict(
        stock='edsr/edsr_x2c64b16_1xb16-300k_div2k.py',
        shrink=['mid_channels=8', 'num_blocks=1']),
    'sr-x2-swinir': dict(
        stock='swinir/swinir_x2s48w8d6e180_8xb4-lr2e-4-500k_div2k.py',
        shrink=['depths=[1,1]', 'embed_dim=8', 'num_heads=[2,2]']),
    'sr-x4-msrresnet': dict(
        stock='srgan_resnet/msrresnet_x4c64b16_1xb16-1000k_div2k.py',
        shrink=['mid_channels=8', 'num_blocks=1']),
}


def readme_block(title: str) -> str:
    """The ```python block that follows ``title`` in the README."""
    text = open(README, encoding='utf-8').read()
    start = text.index(title)
    match = re.search(r'```python\n(.*?)```', text[start:], re.S)
    return textwrap.dedent(match.group(1))


def recipe(case: dict) -> str:
    """The child config, as the README writes it, for ``case``'s config."""
    marker = case.get('recipe') or ('<!-- recipe: test-only -->' if case.get(
        'test_only') else '<!-- recipe -->')
    body = readme_block(marker).replace('<path to mmsamdistill>', REPO)
    body = re.sub(r"mmagic::[\w./-]+\.py", 'mmagic::' + case['stock'], body,
                  count=1)
    if case.get('fix'):
        body += readme_block(f'<!-- fix: {case["fix"]} -->')
    return body


def cfg_options(case: dict, work_dir: str) -> list:
    """Shrink the generator and the run; no validation (tiny data)."""
    return ([f'model.generator.{o}' for o in case['shrink']] + [
        f'train_cfg.max_iters={ITERS}', f'train_cfg.val_interval={ITERS}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader=None',
        'val_cfg=None', 'val_evaluator=None',
        'default_hooks.checkpoint.out_dir=None',
        f'default_hooks.checkpoint.interval={ITERS}',
        'default_hooks.logger.interval=1', f'work_dir={work_dir}'
    ])


def merged(config: str, options: list) -> Config:
    cfg = Config.fromfile(resolve_config_path(config))
    parsed = {}
    for option in options:
        key, value = option.split('=', 1)
        parsed[key] = DictAction._parse_iterable(value)
    cfg.merge_from_dict(parsed)
    return cfg


def crop_and_scale(pipeline) -> tuple:
    """(gt patch size, scale) of a train pipeline."""
    patch, scale = 64, 1
    for transform in pipeline:
        if transform['type'] == 'WithSAMMasks':
            return crop_and_scale(transform['pipeline'])
        if 'PairedRandomCrop' in transform['type']:
            patch = transform['gt_patch_size']
        if transform['type'] == 'SetValues':
            scale = transform['dictionary'].get('scale', scale)
    return patch, scale


def write_pairs(dataset: dict, patch: int, scale: int, count: int = 2):
    """Tiny images where ``dataset`` (a BasicImageDataset config) reads."""
    root = dataset.get('data_root') or ''
    prefix = dataset['data_prefix']
    tmpl = {'img': '{}', 'gt': '{}', **dataset.get('filename_tmpl', {})}
    photo = skdata.astronaut()[..., ::-1]  # BGR for cv2
    size = patch + 4 * scale
    names = [f'im{i}' for i in range(count)]
    for i, name in enumerate(names):
        gt = np.ascontiguousarray(photo[40 * i:40 * i + size, 100:100 + size])
        lq = cv2.resize(gt, (size // scale, ) * 2,
                        interpolation=cv2.INTER_AREA)
        for key, image in (('gt', gt), ('img', lq)):
            path = osp.join(root, prefix[key], tmpl[key].format(name) + '.png')
            os.makedirs(osp.dirname(path), exist_ok=True)
            if not osp.exists(path):
                cv2.imwrite(path, image)
    if dataset.get('ann_file'):
        with open(osp.join(root, dataset['ann_file']), 'w') as f:
            f.write(''.join(f'{n}.png ({size},{size},3)\n' for n in names))


def run_in_process(tool: str, *args):
    argv = sys.argv
    sys.argv = [tool, *args]
    try:
        runpy.run_path(tool, run_name='__main__')
    finally:
        sys.argv = argv


@pytest.fixture(scope='module')
def torch_home(tmp_path_factory):
    """torch hub's cache with a random VGG16 trunk under its release name,
    so the framework's default `torchvision://vgg16` loads without a
    download."""
    import torchvision
    home = str(tmp_path_factory.mktemp('torch_home'))
    url = torchvision.models.VGG16_Weights.IMAGENET1K_V1.url
    path = osp.join(home, 'hub', 'checkpoints', osp.basename(url))
    os.makedirs(osp.dirname(path))
    trunk = torchvision.models.vgg16(weights=None).features[:23]
    torch.save({f'features.{k}': v for k, v in trunk.state_dict().items()},
               path)
    return home


def test_the_recipe_is_a_few_lines():
    for marker in ('<!-- recipe -->', '<!-- recipe: test-only -->',
                   '<!-- recipe: test-only, degraded on the fly -->'):
        lines = [line for line in readme_block(marker).splitlines()
                 if line.strip() and not line.lstrip().startswith('#')]
        assert len(lines) <= 8, lines


@pytest.mark.parametrize('name', sorted(CASES))
def test_stock_config_converts_trains_and_exports(name, tmp_path,
                                                  monkeypatch, torch_home):
    case = CASES[name]
    monkeypatch.chdir(tmp_path)  # the stock configs read ./data/...
    monkeypatch.setenv('TORCH_HOME', torch_home)
    child = tmp_path / 'child.py'
    child.write_text(recipe(case))
    work_dir = str(tmp_path / 'work')
    options = cfg_options(case, work_dir)
    cfg = merged(str(child), options)
    dataset = cfg.train_dataloader.dataset
    patch, scale = crop_and_scale(dataset.pipeline)
    write_pairs(dataset, patch, scale)

    # masks next to the gt folder, where the recipe's LoadSAMMask reads
    run_in_process(
        osp.join(REPO, 'tools', 'misc', 'generate_sam_masks.py'),
        '--dataset-config', str(child), '--generator', 'felzenszwalb')
    result = run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), str(child), '--cfg-options',
        *options
    ], cwd=str(tmp_path), env=dict(TORCH_HOME=torch_home))
    log = result.stdout + result.stderr
    assert 'loss_sgr' in log and 'FutureWarning' not in log
    if upscale_factor(cfg.model.generator) > 1:
        assert 'IR2 (teacher) =' in log and 'HR -> HR' in log
    checkpoint = osp.join(work_dir, f'iter_{ITERS}.pth')
    student = str(tmp_path / 'student.pth')
    run_in_process(osp.join(REPO, 'tools', 'export_student.py'), checkpoint,
                   student)

    cascade = MODELS.build(cfg.model).eval()
    load_checkpoint(cascade, checkpoint, strict=True)
    stock_cfg = merged('mmagic::' + case['stock'],
                       [f'model.generator.{o}' for o in case['shrink']])
    stock = MODELS.build(stock_cfg.model).eval()
    load_checkpoint(stock, student, strict=True)
    channels = infer_image_channels(stock_cfg.model.generator,
                                    stock_cfg.model.data_preprocessor)
    x = torch.rand(1, channels, patch // scale, patch // scale)
    with torch.no_grad():
        out = stock(x, mode='tensor')
        assert out.shape[-1] == x.shape[-1] * scale
        assert torch.equal(out, cascade(x, mode='tensor'))
    assert sum(p.numel() for p in stock.parameters()) == sum(
        p.numel() for p in cascade.generator.parameters())

    if case.get('stock_test'):  # README step: the stock config tests it
        test_config = 'mmagic::' + case['stock']
        if case.get('test_fix'):  # as written it fails: the README's fix
            fixed = tmp_path / 'stock_fixed.py'
            fixed.write_text(f"_base_ = {test_config!r}\n" + readme_block(
                f'<!-- fix: {case["test_fix"]} -->'))
            test_config = str(fixed)
        loaders = stock_cfg.test_dataloader
        if not isinstance(loaders, (list, tuple)):
            loaders = [loaders]
        for loader in loaders:
            write_pairs(loader.dataset, 32, 1, count=1)
        workers = (['test_dataloader.num_workers=0'] if len(loaders) == 1
                   else [f'test_dataloader.{i}.num_workers=0'
                         for i in range(len(loaders))])
        command = [
            sys.executable,
            osp.join(REPO, 'tools', 'test.py'), test_config, student,
            '--work-dir',
            str(tmp_path / 'test'), '--cfg-options',
            *[f'model.generator.{o}' for o in case['shrink']], *workers
        ]
        run_tool(command, cwd=str(tmp_path))
        if case.get('test_fix'):  # the stock config as written fails
            command[2] = 'mmagic::' + case['stock']
            with pytest.raises(AssertionError, match='IndexError'):
                run_tool(command, cwd=str(tmp_path))


def test_tools_take_mmagic_config_paths():
    path = resolve_config_path('mmagic::' + CASES['sr-x2-edsr']['stock'])
    assert osp.isfile(path)
    assert path.endswith('edsr/edsr_x2c64b16_1xb16-300k_div2k.py')
    assert resolve_config_path(README) == README
    with pytest.raises(FileNotFoundError, match='mmagic::nafnet/nope.py'):
        resolve_config_path('mmagic::nafnet/nope.py')
    with pytest.raises(FileNotFoundError, match='nothere'):
        resolve_config_path('nothere::a/b.py')


def test_only_known_third_party_warnings_are_dropped(monkeypatch):
    import warnings

    from mmsamdistill.utils import filter_third_party_warnings
    from mmsamdistill.utils.runner_setup import is_third_party_warning

    def caught(category, text, filename):
        return warnings.WarningMessage(text, category, filename, 1)

    site = '/env/lib/python3.11/site-packages/'
    third_party = [
        caught(FutureWarning, 'deprecated',
               site + 'diffusers/models/unet_2d_condition.py'),
        caught(FutureWarning, '`torch.jit.script` is deprecated',
               site + 'torch/jit/_script.py'),
        caught(UserWarning, 'pkg_resources is deprecated as an API',
               site + 'mmengine/utils/package_utils.py'),
    ]
    ours = [
        caught(FutureWarning, 'ours', osp.join(REPO, 'mmsamdistill', 'x.py')),
        caught(UserWarning, 'a diffusers user warning',
               site + 'diffusers/x.py'),
    ]
    assert all(is_third_party_warning(w) for w in third_party)
    assert not any(is_third_party_warning(w) for w in ours)
    printed = []
    monkeypatch.setattr(warnings, 'showwarning',
                        lambda message, *args: printed.append(str(message)))
    with warnings.catch_warnings():
        shown = filter_third_party_warnings(third_party + ours)
    assert shown == ours and printed == ['ours', 'a diffusers user warning']
