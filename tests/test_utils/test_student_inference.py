"""StudentRestorer runs MMagic's own inference path on the student."""
import numpy as np
import pytest
import torch
from mmagic.registry import MODELS

from mmsamdistill.apis.student_inference import StudentRestorer
from tests.helpers import TINY_GENERATORS, write_config

MEAN, STD = [10., 120., 200.], [40., 60., 90.]


def reference(generator, image_rgb, order):
    """What MMagic computes: normalise per channel in the loaded order."""
    image = image_rgb if order == 'rgb' else image_rgb[..., ::-1]
    x = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float()
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    with torch.no_grad():
        out = generator((x - mean) / std) * std + mean
    out = out.clamp(0, 255).round().byte()[0].permute(1, 2, 0).numpy()
    return out if order == 'rgb' else out[..., ::-1]


@pytest.mark.parametrize('order', ['rgb', 'bgr'])
def test_per_channel_mean_std_and_channel_order(tmp_path, order):
    generator_cfg = TINY_GENERATORS['NAFNet']
    torch.manual_seed(0)
    generator = MODELS.build(generator_cfg).eval()
    checkpoint = str(tmp_path / 'student.pth')
    torch.save(dict(state_dict={
        f'generator.{k}': v for k, v in generator.state_dict().items()
    }), checkpoint)
    config = write_config(tmp_path, 'cfg.py', f"""
        model = dict(type='BaseEditModel', generator={generator_cfg!r},
                     pixel_loss=dict(type='L1Loss'),
                     data_preprocessor=dict(type='DataPreprocessor',
                                            mean={MEAN!r}, std={STD!r}))
        test_pipeline = [
            dict(type='LoadImageFromFile', key='img',
                 channel_order={order!r}),
            dict(type='PackInputs')]
        test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
        """)
    student = StudentRestorer(config, checkpoint)
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8)
    restored = student(image)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    expected = reference(generator, image, order)
    assert np.abs(restored.astype(int) - expected.astype(int)).max() <= 1
    # the old shortcut (one averaged mean/std, RGB always) is visibly off
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    with torch.no_grad():
        averaged = generator((x - np.mean(MEAN)) / np.mean(STD))
    averaged = (averaged * np.mean(STD) + np.mean(MEAN)).clamp(0, 255)
    averaged = averaged.round().byte()[0].permute(1, 2, 0).numpy()
    assert np.abs(restored.astype(int) - averaged.astype(int)).max() > 1
