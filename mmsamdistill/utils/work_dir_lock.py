"""One training per work_dir: a lock file with the owner's host and pid."""
import glob
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

from .file_io import (claim_owner, host_name, release_claim_file,
                      remove_dead_temp_files, try_claim_file)

LOCK_NAME = '.train.lock'


class WorkDirBusyError(RuntimeError):
    """Another live training writes to the same work_dir."""


@contextmanager
def work_dir_lock(work_dir: str) -> Iterator[str]:
    """Hold ``work_dir`` for this training while the block runs.

    Two trainings on one work_dir would overwrite each other's
    ``iter_N.pth`` and ``last_checkpoint``; the second one is refused. A
    lock whose process is gone (a killed run) is taken over, as are the
    temp files of checkpoints it was writing. In a distributed run only the
    first process (``RANK`` 0) takes the lock.

    Args:
        work_dir (str): The run's folder (created if missing).

    Yields:
        str: The lock file (None in processes of rank > 0).

    Raises:
        WorkDirBusyError: A live process holds the lock.
    """
    if int(os.environ.get('RANK', 0)) != 0:
        yield None
        return
    lock = osp.join(work_dir, LOCK_NAME)
    if not try_claim_file(lock):
        host, pid = claim_owner(lock) or ('?', '?')
        raise WorkDirBusyError(
            f'{work_dir} is in use by another training (process {pid} on '
            f'{host}, see {lock}). Two runs in one work_dir overwrite each '
            'other\'s checkpoints: give this one another --work-dir, or '
            'wait until that run ends. A lock left by a run that is gone is '
            'taken over automatically; on another machine sharing this '
            'folder, delete the lock file once that run has stopped.')
    for leftover in glob.glob(osp.join(glob.escape(work_dir), '.*.tmp*')):
        final = osp.join(work_dir, osp.basename(leftover)[1:].split('.~')[0])
        remove_dead_temp_files(final)
    try:
        yield lock
    finally:
        if claim_owner(lock) == (host_name(), os.getpid()):
            release_claim_file(lock)
