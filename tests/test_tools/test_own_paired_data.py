"""README "Train on your own paired data": the config written there trains
the cascade on a folder of pairs laid out as {train,test}/{lq,gt}."""
import os.path as osp
import re
import sys
import textwrap

from mmengine.config import Config

from tests.helpers import REPO, run_tool

README = osp.join(REPO, 'README.md')


def readme_config() -> str:
    text = open(README, encoding='utf-8').read()
    start = text.index('<!-- recipe: own paired data -->')
    block = re.search(r'```python\n(.*?)```', text[start:], re.S).group(1)
    return textwrap.dedent(block).replace('<path to mmsamdistill>', REPO)


def test_the_readme_config_trains_on_pairs_with_masks(tmp_path, demo_data):
    config = tmp_path / 'my_config.py'
    config.write_text(
        readme_config().replace('data/my_pairs', demo_data))
    cfg = Config.fromfile(str(config))
    assert cfg.model.type == 'CascadeDistillRestorer'
    assert cfg.train_dataloader.dataset.pipeline[0].type == 'WithSAMMasks'
    assert cfg.val_dataloader.dataset.data_root == demo_data + '/test'
    # the README's mask command, with a classical generator (no weights)
    run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'misc', 'generate_sam_masks.py'),
        osp.join(demo_data, 'train', 'gt'),
        osp.join(demo_data, 'train', 'sam_masks'), '--generator',
        'felzenszwalb'
    ])
    result = run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), str(config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'model.generator.mid_channels=8', 'model.generator.enc_blk_nums=[1,1]',
        'model.generator.dec_blk_nums=[1,1]', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        'model.sgr_loss=None'
    ], cwd=str(tmp_path))
    log = result.stdout + result.stderr
    assert 'loss_spd' in log and 'Iter(val)' in log
    # MMagic's default runtime saves into save_dir ('./work_dirs/') under the
    # work dir's name
    assert osp.isfile(tmp_path / 'work_dirs' / 'work' / 'iter_2.pth')
