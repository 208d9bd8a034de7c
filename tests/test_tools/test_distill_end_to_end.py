"""Distill into NAFNet, SwinIR and Restormer through the real tools.

Each case writes a tiny child of our config (itself a child of the stock
MMagic config), trains it with tools/train.py, checks the loss went down and
the student was validated, exports the student and loads it into the stock
config, whose output must equal the student's inside the cascade.
"""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmagic.registry import MODELS
from mmengine.config import Config
from mmengine.runner import load_checkpoint

import mmsamdistill  # noqa: F401
from tests.helpers import REPO, run_tool, write_config

MAX_ITERS = 30
CASES = {
    'nafnet': dict(
        ours='configs/nafnet/'
        'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill.py',
        stock='mmagic::nafnet/'
        'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py',
        generator="dict(mid_channels=8, enc_blk_nums=[1, 1], "
        "middle_blk_num=1, dec_blk_nums=[1, 1], train_size=(1, 3, 32, 32))",
        crop_step=6, stock_tests=True, train_prefix="dict(gt='gt', img='lq')",
        val_prefix="dict(gt='gt', img='lq')"),
    'swinir': dict(
        ours='configs/swinir/'
        'swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15_samdistill.py',
        stock='mmagic::swinir/'
        'swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15.py',
        generator="dict(img_size=32, window_size=4, depths=[1, 1], "
        "embed_dim=8, num_heads=[2, 2])",
        crop_step=3, stock_tests=False, train_prefix="dict(gt='gt', img='gt')",
        val_prefix="dict(gt='gt', img='gt')"),
    'restormer': dict(
        ours='configs/restormer/'
        'restormer_8xb8-lr3e-4-300k_rain13k_samdistill.py',
        stock='mmagic::restormer/restormer_official_rain13k.py',
        generator="dict(dim=8, num_blocks=[1, 1, 1, 1], "
        "num_refinement_blocks=1, heads=[1, 1, 1, 1])",
        crop_step=3, stock_tests=False, train_prefix="dict(gt='gt', img='lq')",
        val_prefix="dict(gt='gt', img='lq')"),
}


def val_overrides(case, data_root):
    """Validate (and test) on the local test split."""
    return f"""
val_dataloader = dict(
    num_workers=0,
    dataset=dict(data_root={data_root + '/test'!r},
                 data_prefix={case['val_prefix']}))
custom_hooks = []
"""


def cascade_config(folder, case, data_root, mask_root):
    return write_config(folder, 'cascade.py', f"""
_base_ = {osp.join(REPO, case['ours'])!r}
model = dict(generator={case['generator']},
             sgr_loss=dict(network=dict(pretrained=None)))
{val_overrides(case, data_root)}
train_pipeline = _base_.train_dataloader.dataset.pipeline  # [WithSAMMasks]
train_pipeline[0].update(
    mask_root={mask_root!r}, image_root={data_root + '/train/gt'!r})
train_pipeline[0].pipeline[{case['crop_step']}].update(gt_patch_size=32)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    dataset=dict(data_root={data_root + '/train'!r}, ann_file='',
                 data_prefix={case['train_prefix']}, pipeline=train_pipeline))
train_cfg = dict(max_iters={MAX_ITERS}, val_interval={MAX_ITERS})
default_hooks = dict(
    checkpoint=dict(interval={MAX_ITERS}, out_dir=None),
    logger=dict(interval=1))
""")


def stock_config(folder, case, data_root):
    """The stock config with the same tiny generator; NAFNet's also tests."""
    body = f"""
_base_ = {case['stock']!r}
model = dict(generator={case['generator']})
"""
    if case['stock_tests']:
        body += val_overrides(case, data_root) + """
test_dataloader = val_dataloader
"""
    return write_config(folder, 'stock.py', body)


def read_scalars(work_dir):
    paths = sorted(
        __import__('glob').glob(osp.join(work_dir, '*', 'vis_data',
                                         'scalars.json')))
    with open(paths[-1]) as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize('name', sorted(CASES))
def test_distill_train_validate_export(name, demo_data, demo_masks, tmp_path):
    case = CASES[name]
    config = cascade_config(tmp_path, case, demo_data, demo_masks)
    work_dir = tmp_path / 'work'
    run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), config, '--work-dir',
        str(work_dir)
    ])
    scalars = read_scalars(str(work_dir))
    train = [s for s in scalars if 'loss_sgr' in s]
    assert len(train) == MAX_ITERS
    assert {'loss_recon1', 'loss_recon2', 'loss_spd'} <= set(train[0])
    first = np.mean([s['loss'] for s in train[:5]])
    last = np.mean([s['loss'] for s in train[-5:]])
    assert last < first, f'loss did not go down: {first} -> {last}'
    val = [s for s in scalars if any(k.endswith('PSNR') for k in s)]
    assert val and any(k.endswith('SSIM') for k in val[-1])

    checkpoint = str(work_dir / f'iter_{MAX_ITERS}.pth')
    exported = str(tmp_path / 'student.pth')
    run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'export_student.py'), checkpoint, exported
    ])
    cascade = MODELS.build(Config.fromfile(config).model).eval()
    load_checkpoint(cascade, checkpoint, strict=True)  # weights-only too
    stock_cfg = Config.fromfile(stock_config(tmp_path, case, demo_data))
    stock = MODELS.build(stock_cfg.model).eval()
    load_checkpoint(stock, exported, strict=True)  # weights-only load
    x = torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        assert torch.equal(stock(x, mode='tensor'),
                           cascade(x, mode='tensor'))
    param_count = sum(p.numel() for p in stock.parameters())
    assert param_count == sum(p.numel() for p in cascade.generator.parameters())

    if case['stock_tests']:  # the stock tools test the exported student
        out = tmp_path / 'student_metrics.json'
        run_tool([
            sys.executable,
            osp.join(REPO, 'tools', 'test.py'),
            stock_config(tmp_path, case, demo_data), exported, '--work-dir',
            str(tmp_path / 'test'), '--out',
            str(out)
        ])
        assert 'PSNR' in json.loads(out.read_text())
