"""The demo's helpers: grids, overlays, loss curves, students, reuse."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmagic.registry import MODELS
from mmsamdistill.apis import (StudentRestorer, count_parameters,
                               label_map_overlay, mask_source,
                               plot_loss_curves, read_scalars, run_train_test,
                               save_restoration_grid, time_inference)
from mmsamdistill.apis.experiment import SETTINGS_FILE
from tests.helpers import TINY_GENERATORS, write_config


def test_overlay_colours_masks_and_keeps_uncovered_pixels():
    image = np.full((8, 8, 3), 100, np.uint8)
    labels = np.zeros((8, 8), np.uint16)
    labels[:, 4:] = 1
    overlay = label_map_overlay(image, labels, alpha=1.0)
    assert (overlay[:, :3] == 100).all()  # label 0 and away from the edge
    assert not (overlay[:, 5:] == 100).all()
    assert (overlay[:, 4] == 255).all()  # the mask border is drawn
    # a label map at another size is resized to the image
    small = label_map_overlay(np.zeros((16, 16, 3), np.uint8), labels)
    assert small.shape == (16, 16, 3)


def test_grid_layout_and_shape_check(tmp_path):
    panels = [(f'p{i}', np.full((10, 12, 3), 40 * i, np.uint8))
              for i in range(3)]
    path = str(tmp_path / 'grid.png')
    save_restoration_grid(path, panels, scale=2)
    grid = cv2.imread(path)
    # 3 panels of 24 px wide (scale 2) plus 2 separators of 4 px, title bar
    assert grid.shape == (24 + 20, 3 * 24 + 2 * 4, 3)
    assert (grid[24:, 28:52] == 40).all()  # second panel's pixels
    with pytest.raises(ValueError, match='share one shape'):
        save_restoration_grid(path, [('a', np.zeros((4, 4, 3), np.uint8)),
                                     ('b', np.zeros((5, 4, 3), np.uint8))])


def test_loss_curves_read_the_newest_training_log(tmp_path):
    old = tmp_path / '20260101_000000' / 'vis_data'
    new = tmp_path / '20260102_000000' / 'vis_data'
    test_run = tmp_path / '20260103_000000' / 'vis_data'
    for folder in (old, new, test_run):
        folder.mkdir(parents=True)
    (old / 'scalars.json').write_text(json.dumps(dict(loss=9., step=1)))
    (new / 'scalars.json').write_text('\n'.join(
        json.dumps(dict(loss=2. / s, loss_spd=0.1, lr=1e-3, step=s))
        for s in (1, 2, 3)))
    (test_run / 'scalars.json').write_text(json.dumps(dict(PSNR=30., step=0)))
    series = read_scalars(str(tmp_path))
    assert series['loss'] == [(1, 2.), (2, 1.), (3, 2. / 3)]
    assert 'lr' not in series
    out = str(tmp_path / 'curves.png')
    plot_loss_curves(out, [('pixel', [('loss', series['loss'])]),
                           ('terms', [('spd', series['loss_spd'])])],
                     log_scale=[False, True])
    assert cv2.imread(out) is not None
    with pytest.raises(FileNotFoundError, match='no training losses'):
        read_scalars(str(tmp_path / '20260103_000000'))


def test_student_restorer_loads_generator_weights(tmp_path):
    generator_cfg = TINY_GENERATORS['NAFNet']
    torch.manual_seed(0)
    generator = MODELS.build(generator_cfg)
    # a run checkpoint of a cascade: IR1 under generator.*, IR2 elsewhere
    state = {f'generator.{k}': v for k, v in generator.state_dict().items()}
    state['teacher_generator.unused'] = torch.zeros(1)
    ckpt = str(tmp_path / 'iter_1.pth')
    torch.save(dict(state_dict=state, meta=dict(iter=1)), ckpt)
    config = write_config(tmp_path, 'cfg.py', f"""
        model = dict(type='CascadeDistillRestorer',
                     generator={generator_cfg!r},
                     data_preprocessor=dict(type='DataPreprocessor',
                                            mean=[0.] * 3, std=[255.] * 3))
        """)
    student = StudentRestorer(config, ckpt)
    assert count_parameters(student.generator) == count_parameters(generator)
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8)
    with torch.no_grad():
        expected = generator.eval()(
            torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    expected = (expected[0] * 255).clamp(0, 255).round().byte()
    assert np.array_equal(student(image),
                          expected.permute(1, 2, 0).numpy())
    assert time_inference(student.generator, (1, 3, 32, 32), repeats=2,
                          warmup=1) > 0
    torch.save(dict(state_dict=dict(other=torch.zeros(1))), ckpt)
    with pytest.raises(KeyError, match='no generator'):
        StudentRestorer(config, ckpt)


def test_mask_source_choice(tmp_path):
    assert mask_source() == ('felzenszwalb', ['--generator', 'felzenszwalb'])
    assert mask_source(classical='slic')[0] == 'slic'
    with pytest.raises(FileNotFoundError, match='does not exist'):
        mask_source(str(tmp_path / 'missing.pth'))
    ckpt = tmp_path / 'sam.pth'
    ckpt.write_bytes(b'')
    name, args = mask_source(str(ckpt), 'vit_t')
    assert name == 'sam_vit_t' and f'checkpoint={ckpt}' in args
    with pytest.raises(ValueError, match='classical'):
        mask_source(classical='pspnet')


def test_finished_runs_are_reused_only_with_equal_settings(tmp_path):
    settings = dict(config='c.py', cfg_options=['randomness.seed=1'],
                    work_dir=str(tmp_path), checkpoint='x.pth',
                    metrics=dict(PSNR=30.), train_seconds=1.,
                    test_seconds=1.)
    with open(osp.join(tmp_path, SETTINGS_FILE), 'w') as f:
        json.dump(settings, f)
    run = run_train_test('c.py', str(tmp_path), ['randomness.seed=1'],
                         python='/nonexistent/python')
    assert run.metrics == dict(PSNR=30.)
    # other settings rerun (and fail here: the interpreter does not exist)
    with pytest.raises(FileNotFoundError):
        run_train_test('c.py', str(tmp_path), ['randomness.seed=2'],
                       python='/nonexistent/python')


def test_loss_balance_measures_each_terms_pull_on_ir1():
    from mmsamdistill.apis import student_loss_balance
    from tests.test_models.test_editors.test_cascade_distill_restorer import (
        batch, build)
    model = build(spd_loss=dict(type='SPDLoss', loss_weight=2.0))
    inputs, samples = batch(model)
    stats = student_loss_balance(model, inputs, samples)
    assert {'recon1', 'spd', 'sgr', 'recon1_grad', 'spd_grad', 'sgr_grad',
            'student_mse', 'teacher_mse'} <= set(stats)
    # SPD in its quadratic regime: gradient = weight * (I1 - I2) / numel
    with torch.no_grad():
        student = model.generator(inputs)
        masks, valid = model.batch_masks(student, samples)
        teacher = model.forward_teacher(student, masks, valid)
    diff = student - teacher
    assert diff.abs().max() < 1  # inside smooth-L1's L2 regime (beta 1)
    expected = float((2.0 * diff / diff.numel()).norm())
    assert stats['spd_grad'] == pytest.approx(expected, rel=1e-4)
    assert stats['teacher_mse'] == pytest.approx(
        float(((teacher - samples.gt_img)**2).mean()), rel=1e-5)
    # nothing was accumulated into the networks
    assert all(p.grad is None for p in model.parameters())


def test_cascade_psnr_follows_the_configs_test_metric():
    from mmengine import Config
    from mmsamdistill.apis.cascade_evaluation import psnr_settings
    cfg = Config(dict(test_evaluator=[
        dict(type='MAE'), dict(type='PSNR', convert_to='Y', crop_border=4)
    ]))
    assert psnr_settings(cfg) == dict(crop_border=4, convert_to='Y')
    cfg = Config(dict(test_evaluator=dict(
        type='Evaluator', metrics=[dict(type='PSNR')])))
    assert psnr_settings(cfg) == dict(crop_border=0, convert_to=None)
    assert psnr_settings(Config(dict())) == {}
