"""Atomic file writes: a reader never sees a half-written file.

Temp files are named after their writer, ``.<name>.~<host>~<pid>~<random>
.tmp<ext>``, so a later run can tell the leftovers of a killed writer (its
process is gone) from the file a live writer is still producing.
"""
import errno
import glob
import json
import os
import os.path as osp
import re
import secrets
import socket
import time
from typing import Any, Callable, Optional, Tuple

#: Temp files or claims older than this (seconds) are dead whoever made them.
STALE_AGE = 24 * 3600
_OWNER = re.compile(r'\.~(?P<host>[A-Za-z0-9_.-]*)~(?P<pid>\d+)~')


def host_name() -> str:
    """This machine's name as it appears in temp and claim files."""
    return re.sub(r'[^A-Za-z0-9_.-]', '_', socket.gethostname())[:64]


def _owner_tag() -> str:
    return f'~{host_name()}~{os.getpid()}~'


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def owner_is_dead(host: str, pid: int, path: str,
                  max_age: float = STALE_AGE) -> bool:
    """Whether the writer ``pid`` on ``host`` of ``path`` is provably gone.

    Only a writer on this machine can be checked; any file older than
    ``max_age`` seconds counts as dead.
    """
    try:
        age = time.time() - os.lstat(path).st_mtime
    except FileNotFoundError:
        return False
    if age > max_age:
        return True
    return host == host_name() and not process_alive(pid)


def temp_file_is_dead(path: str, max_age: float = STALE_AGE) -> bool:
    """Whether a temp file of :func:`write_atomic` was left by a dead writer.

    Args:
        path (str): The temp file.
        max_age (float): Age in seconds after which it is dead anyway (also
            the only test for temp names without a writer).
    """
    match = _OWNER.search(osp.basename(path))
    if match is None:
        try:
            return time.time() - os.lstat(path).st_mtime > max_age
        except FileNotFoundError:
            return False
    return owner_is_dead(match['host'], int(match['pid']), path, max_age)


def remove_dead_temp_files(path: str, max_age: float = STALE_AGE) -> int:
    """Delete the temp files that dead writers of ``path`` left behind.

    Temp files of live writers (another run still writing ``path``) stay.

    Args:
        path (str): The final file.
        max_age (float): See :func:`temp_file_is_dead`.

    Returns:
        int: Number of files removed.
    """
    folder, name = osp.split(path)
    removed = 0
    for leftover in glob.glob(osp.join(glob.escape(folder),
                                       f'.{glob.escape(name)}.*.tmp*')):
        if temp_file_is_dead(leftover, max_age):
            try:
                os.remove(leftover)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def claim_owner(claim: str) -> Optional[Tuple[str, int]]:
    """(host, pid) recorded in a claim file; None when there is none."""
    try:
        with open(claim, encoding='utf-8') as f:
            host, pid = f.read().split()
        return host, int(pid)
    except FileNotFoundError:
        return None
    except ValueError:  # empty or foreign: only its age tells
        return '', 0


def release_claim_file(claim: str) -> None:
    """Delete a claim file (if it is still there)."""
    try:
        os.remove(claim)
    except FileNotFoundError:
        pass


def try_claim_file(claim: str) -> bool:
    """Create ``claim`` for this process; False when a live process has it.

    The claim holds ``<host> <pid>``; one of a dead process (see
    :func:`owner_is_dead`) is taken over. Of several processes claiming at
    once, exactly one wins.

    Args:
        claim (str): The claim (lock) file.

    Returns:
        bool: Whether this process now holds the claim.
    """
    os.makedirs(osp.dirname(claim) or '.', exist_ok=True)
    # Written in full first, then hard-linked (which fails if the claim
    # exists): a claim is never half-written. Named like write_atomic's temp
    # files, so that a killed run's leftover is removed as theirs are.
    mine = f'{claim}.{_owner_tag()}.tmp'
    with open(mine, 'w', encoding='utf-8') as f:
        f.write(f'{host_name()} {os.getpid()}\n')
    try:
        for _ in range(2):
            try:
                try:
                    os.link(mine, claim)
                except FileExistsError:
                    raise
                except OSError:  # no hard links here: exclusive create
                    fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                 0o666)
                    with os.fdopen(fd, 'w', encoding='utf-8') as f:
                        f.write(f'{host_name()} {os.getpid()}\n')
                return True
            except FileExistsError:
                owner = claim_owner(claim)
                if owner is not None and not owner_is_dead(*owner, claim):
                    return False
                # of several processes taking over, only one wins the rename
                dead = f'{mine}.dead'
                try:
                    os.replace(claim, dead)
                except FileNotFoundError:
                    pass
                release_claim_file(dead)
        return False
    finally:
        release_claim_file(mine)


def _create_temp(path: str) -> str:
    folder, name = osp.split(osp.abspath(path))
    suffix = osp.splitext(path)[1]
    while True:
        tmp = osp.join(
            folder, f'.{name}.{_owner_tag()}{secrets.token_hex(4)}'
            f'.tmp{suffix}')
        try:
            # mode 0o666 minus the umask, as open() would create it
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o666))
            return tmp
        except FileExistsError:
            continue


def write_atomic(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temp file beside ``path``, then rename.

    The rename is atomic on POSIX file systems, so an interrupted run (an
    exception, Ctrl-C, SIGTERM turned into one, a full disk) leaves either
    the old file or the complete new one, never a partial one. The file gets
    the permissions a plain ``open(path, 'w')`` would give a new file
    (``0o666`` minus the umask).

    Args:
        path (str): Final file path; its folder is created if missing.
        write (Callable[[str], None]): Writes the content to the given path.

    Raises:
        OSError: ``errno.ENOSPC`` with a message naming ``path`` when the
            disk is full; ``path`` is then unchanged.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = _create_temp(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        if osp.lexists(tmp):
            os.remove(tmp)
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            raise disk_full_error(path) from err
        raise


def disk_full_error(path: str) -> OSError:
    """The error of a write of ``path`` that found the disk full."""
    kept = ('its previous version is unchanged' if osp.exists(path) else
            'nothing was written')
    return OSError(
        errno.ENOSPC,
        f'No space left on device while writing {path} ({kept}, no partial '
        f'file is left). Free space on {osp.dirname(osp.abspath(path))} '
        '(or write elsewhere) and run the same command again')


def dump_json_atomic(obj: Any, path: str) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically.

    Args:
        obj (Any): A JSON-serialisable object (numpy scalars are converted).
        path (str): Output file.
    """

    def write(tmp: str) -> None:
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(obj, f, indent=2, default=_to_builtin)
            f.write('\n')

    write_atomic(path, write)


def load_json_if_exists(path: str) -> Optional[Any]:
    """The JSON content of ``path``, or None when the file does not exist.

    Args:
        path (str): A JSON file (manifest, sidecar) that may be absent.

    Returns:
        Any: The parsed content, or None.

    Raises:
        ValueError: The file is not valid JSON (the message names it).
    """
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except ValueError as err:  # JSONDecodeError, bad UTF-8
            raise ValueError(f'{path} is not valid JSON ({err})') from err


def _to_builtin(value: Any) -> Any:
    if hasattr(value, 'item'):
        return value.item()
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')
