"""Checkpoints are written atomically; a full disk keeps the previous one."""
import errno
import glob
import os.path as osp

import pytest
import torch

from mmsamdistill.engine import AtomicLocalBackend
from mmsamdistill.engine import atomic_checkpoint_backend
from tests.test_engine.run_fixtures import config_in, runner_of


def full_disk_open(monkeypatch, module):
    """Make ``open`` in ``module`` write half of the bytes, then fail as a
    full disk does."""
    real_open = open

    class HalfWritten:

        def __init__(self, path, mode):
            self.file = real_open(path, mode)

        def write(self, data):
            self.file.write(data[:len(data) // 2])
            self.file.flush()
            raise OSError(errno.ENOSPC, 'No space left on device')

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr(module, 'open', HalfWritten, raising=False)


def test_put_keeps_the_previous_file_when_the_disk_is_full(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'iter_2.pth')
    backend = AtomicLocalBackend()
    backend.put(b'complete checkpoint', path)
    full_disk_open(monkeypatch, atomic_checkpoint_backend)
    with pytest.raises(OSError) as error:
        backend.put(b'x' * 1000, path)
    assert error.value.errno == errno.ENOSPC
    assert path in str(error.value) and 'unchanged' in str(error.value)
    assert open(path, 'rb').read() == b'complete checkpoint'
    assert not glob.glob(str(tmp_path / '.*'))  # no temp file left


def test_a_run_out_of_disk_keeps_its_last_checkpoint(
        demo_data, tmp_path, monkeypatch):
    config = config_in(tmp_path / 'cfg', demo_data, max_iters=2)
    work = tmp_path / 'work'
    runner_of(config, work).train()
    before = open(work / 'iter_2.pth', 'rb').read()
    full_disk_open(monkeypatch, atomic_checkpoint_backend)
    runner = runner_of(config, work, resume=True,
                       **{'train_cfg.max_iters': 4})
    with pytest.raises(OSError, match='No space left on device while '
                       'writing .*iter_4.pth'):
        runner.train()
    assert not osp.exists(work / 'iter_4.pth')
    assert open(work / 'iter_2.pth', 'rb').read() == before
    assert open(work / 'last_checkpoint').read().endswith('iter_2.pth')
    assert not glob.glob(str(work / '.*.tmp*'))
    torch.load(work / 'iter_2.pth', weights_only=True)  # still loads
