"""tools/test.py's check that a checkpoint fits the tested generator."""
from types import SimpleNamespace

import pytest
from mmagic.registry import MODELS

from mmsamdistill.engine import CheckpointKeysHook, CheckpointMismatchError
from tests.helpers import TINY_GENERATORS


def edit_model(cascade=False, width=8):
    generator = dict(TINY_GENERATORS['NAFNet'], mid_channels=width)
    model = dict(type='BaseEditModel', generator=generator,
                 pixel_loss=dict(type='L1Loss'),
                 data_preprocessor=dict(type='DataPreprocessor'))
    if cascade:
        model.update(type='CascadeDistillRestorer', sgr_loss=None)
    return MODELS.build(model)


def check(model, state):
    runner = SimpleNamespace(model=model)
    CheckpointKeysHook().after_load_checkpoint(runner,
                                               dict(state_dict=state))


def student_export(model):
    return {k: v for k, v in model.state_dict().items()
            if k.startswith('generator.')}


def test_matching_checkpoints_pass():
    cascade, stock = edit_model(cascade=True), edit_model()
    check(cascade, cascade.state_dict())  # a run checkpoint, its config
    check(cascade, student_export(cascade))  # teacher/spf missing: fine
    check(stock, student_export(cascade))  # the exported student
    check(stock, cascade.state_dict())  # IR2 and SPF are ignored
    wrapped = {f'module.{k}': v for k, v in stock.state_dict().items()}
    check(stock, wrapped)


def test_another_width_fails_with_the_names():
    narrow = edit_model(width=8)
    wide = edit_model(width=16)
    with pytest.raises(CheckpointMismatchError,
                       match=r'of another shape: generator\.'):
        check(narrow, wide.state_dict())


def test_missing_and_unexpected_generator_keys_fail_with_the_names():
    model = edit_model()
    state = student_export(model)
    removed = sorted(state)[0]
    del state[removed]
    state['generator.extra.weight'] = state[sorted(state)[0]]
    with pytest.raises(CheckpointMismatchError) as error:
        check(model, state)
    message = str(error.value)
    assert f'1 missing: {removed}' in message
    assert '1 unexpected: generator.extra.weight' in message
