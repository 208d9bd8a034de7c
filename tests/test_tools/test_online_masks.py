"""Online masks (paper Eq. 2) train end to end, classical and tiny SAM."""
import os.path as osp
import sys

from mmengine.config import Config

from mmsamdistill.utils import build_runner
from tests.helpers import REPO, TINY_SAM_OPTIONS, run_tool, write_config

ONLINE = osp.join(
    REPO, 'configs', 'nafnet',
    'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill-online.py')


def online_config(folder, data_root, mask_source, interval, iters):
    return write_config(folder, 'online.py', f"""
_base_ = {ONLINE!r}
model = dict(
    generator=dict(mid_channels=8, enc_blk_nums=[1, 1], middle_blk_num=1,
                   dec_blk_nums=[1, 1], train_size=(1, 3, 32, 32)),
    sgr_loss=dict(network=dict(pretrained=None)),
    mask_source=dict(_delete_=True, **{mask_source!r}),
    mask_interval={interval})
train_pipeline = _base_.train_pipeline
train_pipeline[7].update(gt_patch_size=32)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    dataset=dict(data_root={data_root + '/train'!r},
                 data_prefix=dict(gt='gt', img='lq'), pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    dataset=dict(data_root={data_root + '/test'!r},
                 data_prefix=dict(gt='gt', img='lq')))
train_cfg = dict(max_iters={iters}, val_interval={iters})
default_hooks = dict(checkpoint=dict(interval={iters}, out_dir=None),
                     logger=dict(interval=1))
custom_hooks = []
""")


def test_classical_online_source_trains_through_the_tool(demo_data,
                                                         tmp_path):
    config = online_config(
        tmp_path, demo_data,
        dict(type='FelzenszwalbMaskGenerator', min_size=20), 3, 6)
    result = run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), config, '--work-dir',
        str(tmp_path / 'work')
    ])
    assert 'loss_sgr' in result.stdout
    assert (tmp_path / 'work' / 'iter_6.pth').is_file()


def test_tiny_sam_online_source_trains(tiny_sam_checkpoint, demo_data,
                                       tmp_path):
    source = dict(type='SAMMaskGenerator', checkpoint=tiny_sam_checkpoint,
                  **TINY_SAM_OPTIONS)
    cfg = Config.fromfile(online_config(tmp_path, demo_data, source, 1, 2))
    cfg.work_dir = str(tmp_path / 'work')
    runner = build_runner(cfg)
    runner.train()
    model = runner.model
    assert model.prior_source.online.generator.settings()['model_type'] == 'tiny_test'
    assert model._steps == 2
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()
