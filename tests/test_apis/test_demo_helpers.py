"""The package's inference helper: the student of a trained config.

The demo's plumbing (curves, runners, statistics) is tested with the tools,
in tests/test_tools/test_mmsamdistill_demo.py.
"""
import numpy as np
import pytest
import torch

from mmagic.registry import MODELS
from mmsamdistill.apis import (StudentRestorer, count_parameters,
                               time_inference)
from tests.helpers import TINY_GENERATORS, write_config


def test_student_restorer_loads_generator_weights(tmp_path):
    generator_cfg = TINY_GENERATORS['NAFNet']
    torch.manual_seed(0)
    generator = MODELS.build(generator_cfg)
    # a run checkpoint of a cascade: IR1 under generator.*, IR2 elsewhere
    state = {f'generator.{k}': v for k, v in generator.state_dict().items()}
    state['teacher.network.unused'] = torch.zeros(1)
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
