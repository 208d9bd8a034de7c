"""IR2's default config and the image channels, from the stock generator."""
import copy

import pytest
import torch
from mmagic.registry import MODELS

from mmsamdistill.models.editors.teacher_config import (
    SR_TEACHERS, infer_image_channels, same_size_teacher,
    teacher_size_error, upscale_factor)
from mmsamdistill.models.necks.semantic_prior_fusion import \
    resolve_fusion_points

TINY_SWINIR = dict(
    type='SwinIRNet', in_chans=3, img_size=8, window_size=4, img_range=1.,
    depths=[1], embed_dim=8, num_heads=[2], mlp_ratio=2,
    resi_connection='1conv')
# Tiny upscaling generators of every MMagic SR family, with their scale.
SR_GENERATORS = {
    'EDSRNet-x2': (dict(type='EDSRNet', in_channels=3, out_channels=3,
                        mid_channels=8, num_blocks=1, upscale_factor=2), 2),
    'EDSRNet-x3': (dict(type='EDSRNet', in_channels=3, out_channels=3,
                        mid_channels=8, num_blocks=1, upscale_factor=3), 3),
    'SRCNNNet-x4': (dict(type='SRCNNNet', channels=(3, 8, 4, 3)), 4),
    'RRDBNet-x4': (dict(type='RRDBNet', in_channels=3, out_channels=3,
                        mid_channels=8, num_blocks=1, growth_channels=4), 4),
    'RRDBNet-x2': (dict(type='RRDBNet', in_channels=3, out_channels=3,
                        mid_channels=8, num_blocks=1, growth_channels=4,
                        upscale_factor=2), 2),
    'SwinIRNet-pixelshuffle': (dict(TINY_SWINIR, upscale=2,
                                    upsampler='pixelshuffle'), 2),
    'SwinIRNet-direct': (dict(TINY_SWINIR, upscale=3,
                              upsampler='pixelshuffledirect'), 3),
    'SwinIRNet-nearest': (dict(TINY_SWINIR, upscale=4,
                               upsampler='nearest+conv'), 4),
    'MSRResNet-x4': (dict(type='MSRResNet', in_channels=3, out_channels=3,
                          mid_channels=8, num_blocks=1), 4),
    'RDNNet-x2': (dict(type='RDNNet', in_channels=3, out_channels=3,
                       mid_channels=8, num_blocks=1, num_layers=1,
                       channel_growth=4, upscale_factor=2), 2),
}


@pytest.mark.parametrize('name', sorted(SR_GENERATORS))
def test_sr_teacher_maps_hr_to_hr(name):
    cfg, scale = SR_GENERATORS[name]
    assert upscale_factor(cfg) == scale
    original = copy.deepcopy(cfg)
    teacher_cfg, message = same_size_teacher(cfg)
    assert cfg == original  # the generator's config is left alone
    assert upscale_factor(teacher_cfg) == 1
    assert 'HR -> HR' in message and f'x{scale}' in message
    assert 'teacher_generator' in message
    torch.manual_seed(0)
    student, teacher = MODELS.build(cfg), MODELS.build(teacher_cfg)
    with torch.no_grad():
        hr = student(torch.rand(1, 3, 8, 8))
        assert hr.shape == (1, 3, 8 * scale, 8 * scale)
        assert teacher(hr).shape == hr.shape
    # SPF's 'auto' fusion points exist for every default teacher
    assert resolve_fusion_points(teacher, 'auto')


def test_teacher_of_a_restoration_generator_is_a_copy():
    nafnet = dict(type='NAFNet', img_channels=1, mid_channels=8,
                  enc_blk_nums=[1], middle_blk_num=1, dec_blk_nums=[1])
    teacher, message = same_size_teacher(nafnet)
    assert teacher == nafnet and teacher is not nafnet
    assert 'copy of the generator (NAFNet)' in message
    swinir = dict(TINY_SWINIR, upscale=2, upsampler='')  # same-size head
    assert upscale_factor(swinir) == 1
    assert same_size_teacher(swinir)[0] == swinir
    # a generator that takes more channels than it outputs (Restormer on
    # dual-pixel pairs): IR2 takes IR1's output
    dual = dict(type='Restormer', inp_channels=6, out_channels=3)
    teacher, message = same_size_teacher(dual)
    assert teacher['inp_channels'] == 3 and 'inp_channels=3' in message


def test_unknown_upscaling_generator_asks_for_a_teacher():
    with pytest.raises(ValueError, match='teacher_generator') as err:
        same_size_teacher(dict(type='DICNet', in_channels=3, out_channels=3,
                               mid_channels=48))
    assert 'x8' in str(err.value)  # DICNet's default scale
    for name in SR_TEACHERS:
        assert name in str(err.value)


def test_scale_defaults_come_from_the_generator_class():
    assert upscale_factor(dict(type='EDSRNet', in_channels=3,
                               out_channels=3)) == 4
    assert upscale_factor(dict(type='mmagic.EDSRNet', upscale_factor=1)) == 1
    assert upscale_factor(dict(type='SwinIRNet')) == 1  # upsampler=''
    assert upscale_factor(dict(type='SwinIRNet',
                               upsampler='pixelshuffle')) == 2


def test_image_channels_from_generator_and_preprocessor():
    gray = dict(type='DataPreprocessor', mean=[0.], std=[255.])
    rgb = dict(type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3)
    assert infer_image_channels(dict(type='SwinIRNet', in_chans=1), gray) == 1
    assert infer_image_channels(dict(type='NAFNet', img_channels=1)) == 1
    assert infer_image_channels(
        dict(type='Restormer', inp_channels=1, out_channels=1), gray) == 1
    assert infer_image_channels(dict(type='Restormer'), rgb) == 3  # default
    assert infer_image_channels(dict(type='SRCNNNet', channels=(1, 8, 4, 1)),
                                gray) == 1
    assert infer_image_channels(dict(type='IdentityGenerator'), gray) == 1
    assert infer_image_channels(dict(type='IdentityGenerator')) == 3
    # IR2 runs on IR1's output: the output channels count
    assert infer_image_channels(
        dict(type='Restormer', inp_channels=6, out_channels=3), rgb) == 3
    with pytest.raises(ValueError) as err:
        infer_image_channels(dict(type='SwinIRNet', in_chans=1), rgb)
    message = str(err.value)
    assert 'generator.in_chans=1' in message
    assert 'data_preprocessor.mean has 3 values' in message
    assert 'image_channels' in message


def test_size_error_says_how_to_set_the_teacher():
    message = teacher_size_error((2, 3, 64, 64), (2, 3, 32, 32))
    assert '(2, 3, 64, 64)' in message and '(2, 3, 32, 32)' in message
    assert 'same-size' in message and 'teacher_generator' in message
