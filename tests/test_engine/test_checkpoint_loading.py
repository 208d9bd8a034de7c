"""torch >= 2.6 loading: run checkpoints are trusted, weight files are not."""
import os
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from mmsamdistill.engine import trusted_run_checkpoints


class _Payload:
    """Unpickling this calls os.mkdir: code run by merely loading a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker, )


def test_crafted_pickle_in_a_weights_file_is_refused(tmp_path):
    marker = str(tmp_path / 'payload_ran')
    path = str(tmp_path / 'weights.pth')
    model = nn.Linear(2, 2)
    torch.save(dict(state_dict=model.state_dict(), x=_Payload(marker)), path)
    with pytest.raises(pickle.UnpicklingError, match='Refused to load'):
        CheckpointLoader.load_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError, match='tools/export_student'):
        load_checkpoint(model, path)
    assert not os.path.exists(marker)


def test_plain_weights_load_weights_only(tmp_path):
    path = str(tmp_path / 'weights.pth')
    source, target = nn.Linear(2, 2), nn.Linear(2, 2)
    torch.save(dict(state_dict=source.state_dict()), path)
    load_checkpoint(target, path)
    assert torch.equal(source.weight, target.weight)


def test_run_checkpoints_load_only_when_trusted(tmp_path):
    path = str(tmp_path / 'iter_1.pth')
    torch.save(dict(message_hub=dict(log=HistoryBuffer([1.0], [1]))), path)
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(path)
    with trusted_run_checkpoints():
        loaded = CheckpointLoader.load_checkpoint(path)
    assert isinstance(loaded['message_hub']['log'], HistoryBuffer)
    with pytest.raises(pickle.UnpicklingError):  # trust ends with the block
        CheckpointLoader.load_checkpoint(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nowhere.pth'))
