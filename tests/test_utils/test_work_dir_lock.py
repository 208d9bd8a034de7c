"""One training per work_dir: a live owner refuses, a dead one is taken
over."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from mmsamdistill.utils import WorkDirBusyError, host_name, work_dir_lock
from mmsamdistill.utils.work_dir_lock import LOCK_NAME


def write_lock(work_dir, pid):
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, LOCK_NAME), 'w') as f:
        f.write(f'{host_name()} {pid}\n')


def test_a_live_training_keeps_its_work_dir(tmp_path):
    other = subprocess.Popen([sys.executable, '-c',
                              'import time; time.sleep(60)'])
    try:
        write_lock(tmp_path, other.pid)
        with pytest.raises(WorkDirBusyError) as error:
            with work_dir_lock(str(tmp_path)):
                pass
        assert f'process {other.pid}' in str(error.value)
        assert '--work-dir' in str(error.value)
    finally:
        other.kill()
        other.wait()


def test_the_lock_of_a_dead_training_is_taken_over(tmp_path):
    gone = subprocess.Popen([sys.executable, '-c', 'pass'])
    gone.wait()
    write_lock(tmp_path, gone.pid)
    # the temp file of a checkpoint it was writing when it was killed
    leftover = tmp_path / f'.iter_4.pth.~{host_name()}~{gone.pid}~ab12.tmp.pth'
    leftover.write_bytes(b'half')
    with work_dir_lock(str(tmp_path)) as lock:
        assert open(lock).read().split() == [host_name(), str(os.getpid())]
        with pytest.raises(WorkDirBusyError):  # a second run of ours too
            with work_dir_lock(str(tmp_path)):
                pass
    assert not leftover.exists()
    assert not osp.exists(tmp_path / LOCK_NAME)  # released on exit


def test_the_lock_is_released_when_the_run_fails(tmp_path):
    with pytest.raises(ValueError):
        with work_dir_lock(str(tmp_path)):
            raise ValueError('training failed')
    assert not osp.exists(tmp_path / LOCK_NAME)
