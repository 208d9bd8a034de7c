"""tools/restore_images.py restores files, folders and globs as the config's
test pipeline would feed them, with the exported student."""
import os
import os.path as osp
import runpy
import sys

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmagic.registry import MODELS
from mmengine.config import Config

from mmsamdistill.apis import StudentRestorer
from mmsamdistill.utils import resolve_config_path
from tests.helpers import REPO, TINY_GENERATORS, run_tool, write_config

TOOL = osp.join(REPO, 'tools', 'restore_images.py')


def export(tmp_path, generator_cfg, name='student.pth') -> str:
    """An exported student (generator.* tensors) of a random generator."""
    torch.manual_seed(0)
    generator = MODELS.build(generator_cfg).eval()
    path = str(tmp_path / name)
    torch.save(dict(state_dict={
        f'generator.{k}': v for k, v in generator.state_dict().items()
    }), path)
    return path


def stock_config(tmp_path, generator_cfg, load: dict, channels: int) -> str:
    """A stock-style config: BaseEditModel, a test pipeline loading ``img``
    with ``load``'s settings."""
    return write_config(tmp_path, 'stock.py', f"""
        model = dict(type='BaseEditModel', generator={generator_cfg!r},
                     pixel_loss=dict(type='L1Loss'),
                     data_preprocessor=dict(type='DataPreprocessor',
                                            mean=[0.] * {channels},
                                            std=[255.] * {channels}))
        test_pipeline = [
            dict(type='LoadImageFromFile', key='img', **{load!r}),
            dict(type='PackInputs')]
        test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
        """)


def photos(folder, count=3, size=24, prefix='shot') -> list:
    rng = np.random.default_rng(1)
    paths = []
    for i in range(count):
        path = osp.join(str(folder), f'{prefix}{i}.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, rng.integers(0, 256, (size, size + 8, 3),
                                       np.uint8))
        paths.append(path)
    return paths


def run(*args):
    argv = sys.argv
    sys.argv = [TOOL, *args]
    try:
        runpy.run_path(TOOL, run_name='__main__')
    finally:
        sys.argv = argv


def test_folder_glob_and_side_by_side_match_the_student(tmp_path, capsys):
    generator = TINY_GENERATORS['NAFNet']
    config = stock_config(tmp_path, generator,
                          dict(channel_order='rgb', color_type='color'), 3)
    student = export(tmp_path, generator)
    images = tmp_path / 'images'
    nested = photos(images / 'day', 2) + photos(images, 1)
    extra = photos(tmp_path / 'more', 2, size=16, prefix='night')
    out = tmp_path / 'out'
    run(config, student, str(images), str(tmp_path / 'more' / '*.png'),
        '--out', str(out), '--side-by-side')

    restorer = StudentRestorer(config, student)
    names = ['day/shot0.png', 'day/shot1.png', 'shot0.png']
    for path, name in zip(nested, names):
        restored = cv2.imread(str(out / name))[..., ::-1]
        expected = restorer(cv2.imread(path)[..., ::-1].copy())
        assert np.array_equal(restored, expected), name
        grid = cv2.imread(str(out / 'side_by_side' / name))
        # title bar of 24 px; input | 4 px gap | restored
        assert grid.shape == (24 + 24, 2 * 32 + 4, 3)
        assert np.array_equal(grid[24:, -32:, ::-1], expected)
        assert np.array_equal(grid[24:, :32, ::-1],
                              cv2.imread(path)[..., ::-1])
    for path in extra:  # the glob's images keep their names
        restored = cv2.imread(str(out / osp.basename(path)))[..., ::-1]
        assert restored.shape == (16, 24, 3)
        assert np.array_equal(
            restored, restorer(cv2.imread(path)[..., ::-1].copy()))
    printed = capsys.readouterr().out
    assert '[1/5]' in printed and '5 restored images' in printed


@pytest.mark.parametrize('order', ['rgb', 'bgr'])
def test_y_channel_model_reads_what_its_test_pipeline_reads(tmp_path, order):
    """A grayscale model whose test pipeline loads the Y channel (MMagic's
    gray denoising configs, which label it 'rgb') gets Y, not 3 channels."""
    generator = dict(TINY_GENERATORS['NAFNet'], img_channels=1)
    config = stock_config(
        tmp_path, generator,
        dict(channel_order=order, color_type='color', to_y_channel=True), 1)
    student = export(tmp_path, generator)
    path = photos(tmp_path / 'in', 1)[0]
    out = tmp_path / 'out'
    run(config, student, path, '--out', str(out), '--side-by-side')
    restored = cv2.imread(str(out / 'shot0.png'), cv2.IMREAD_UNCHANGED)
    assert restored.shape == (24, 32)
    image, expected = StudentRestorer(config, student).restore_file(path)
    assert image.shape == (24, 32, 1) and expected.shape == (24, 32, 1)
    y = mmcv.bgr2ycbcr(cv2.imread(path), y_only=True)  # ITU-R BT.601 Y
    assert np.abs(image[..., 0].astype(int) - y).max() <= 1
    assert np.array_equal(restored, expected[..., 0])
    grid = cv2.imread(str(out / 'side_by_side' / 'shot0.png'))
    assert (grid[..., 0] == grid[..., 2]).all()  # gray panels


def test_bad_inputs_say_what_is_wrong(tmp_path):
    generator = TINY_GENERATORS['NAFNet']
    config = stock_config(tmp_path, generator,
                          dict(channel_order='rgb', color_type='color'), 3)
    student = export(tmp_path, generator)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(SystemExit, match='names no image'):
        run(config, student, str(tmp_path / 'empty'), '--out',
            str(tmp_path / 'out'))
    # two inputs that would overwrite each other's output
    photos(tmp_path / 'a', 1)
    photos(tmp_path / 'b', 1)
    with pytest.raises(SystemExit, match='would both be written as shot0'):
        run(config, student, str(tmp_path / 'a'), str(tmp_path / 'b'),
            '--out', str(tmp_path / 'out'))
    with pytest.raises(SystemExit, match='no generator'):
        torch.save(dict(state_dict=dict(w=torch.zeros(1))),
                   str(tmp_path / 'other.pth'))
        photos(tmp_path / 'in', 1)
        run(config, str(tmp_path / 'other.pth'), str(tmp_path / 'in'),
            '--out', str(tmp_path / 'out'))


def test_command_line_prints_no_third_party_warnings(tmp_path):
    generator = TINY_GENERATORS['NAFNet']
    config = stock_config(tmp_path, generator,
                          dict(channel_order='rgb', color_type='color'), 3)
    student = export(tmp_path, generator)
    photos(tmp_path / 'in', 1)
    result = run_tool([sys.executable, TOOL, config, student,
                       str(tmp_path / 'in'), '--out', str(tmp_path / 'out')])
    assert 'Warning' not in result.stdout + result.stderr
    assert osp.isfile(tmp_path / 'out' / 'shot0.png')


def test_mmagic_inferencer_runs_the_exported_student_alike(tmp_path):
    """The README's claim: the exported student is the stock network, so
    MMagic's own inferencer runs it with the stock config, and computes what
    the restore tool computes."""
    from mmagic.apis import MMagicInferencer
    config = write_config(tmp_path, 'small_nafnet.py', """
        _base_ = ('mmagic::nafnet/'
                  'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py')
        model = dict(generator=dict(
            mid_channels=8, enc_blk_nums=[1, 1], middle_blk_num=1,
            dec_blk_nums=[1, 1], train_size=(1, 3, 32, 32)))
        """)
    cfg = Config.fromfile(resolve_config_path(config))
    student = export(tmp_path, cfg.model.generator)
    path = photos(tmp_path / 'in', 1)[0]
    out = str(tmp_path / 'mmagic.png')
    MMagicInferencer('nafnet', model_config=config,
                     model_ckpt=student).infer(img=path, result_out_dir=out)
    run(config, student, path, '--out', str(tmp_path / 'ours'))
    assert np.array_equal(cv2.imread(out),
                          cv2.imread(str(tmp_path / 'ours' / 'shot0.png')))
