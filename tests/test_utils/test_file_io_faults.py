"""write_atomic under a full disk and a SIGTERM: the old file survives."""
import errno
import glob
import os
import signal

import pytest

from mmsamdistill.utils import Interrupted, stop_on_sigterm, write_atomic


def test_a_full_disk_keeps_the_previous_file_and_names_it(tmp_path):
    path = str(tmp_path / 'out.bin')
    write_atomic(path, lambda tmp: open(tmp, 'wb').write(b'old'))

    def write_then_fill(tmp):
        with open(tmp, 'wb') as f:
            f.write(b'ne')
        raise OSError(errno.ENOSPC, 'No space left on device')

    with pytest.raises(OSError) as error:
        write_atomic(path, write_then_fill)
    assert error.value.errno == errno.ENOSPC
    assert f'while writing {path}' in str(error.value)
    assert 'previous version is unchanged' in str(error.value)
    assert open(path, 'rb').read() == b'old'
    assert not glob.glob(str(tmp_path / '.*'))


def test_sigterm_while_writing_removes_the_temp_file(tmp_path):
    path = str(tmp_path / 'out.bin')
    write_atomic(path, lambda tmp: open(tmp, 'wb').write(b'old'))

    def killed_while_writing(tmp):
        with open(tmp, 'wb') as f:
            f.write(b'ne')
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as stop:
        with stop_on_sigterm():
            write_atomic(path, killed_while_writing)
    assert stop.value.signum == signal.SIGTERM
    assert open(path, 'rb').read() == b'old'
    assert not glob.glob(str(tmp_path / '.*'))
    assert signal.getsignal(signal.SIGTERM) == before  # restored
