"""Atomic file writes: a reader never sees a half-written file."""
import json
import os
import os.path as osp
import tempfile
from typing import Any, Callable, Optional


def write_atomic(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temp file beside ``path``, then rename.

    The rename is atomic on POSIX file systems, so an interrupted run leaves
    either the old file or the complete new one, never a partial one.

    Args:
        path (str): Final file path; its folder is created if missing.
        write (Callable[[str], None]): Writes the content to the given path.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = osp.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix=f'.tmp{suffix}', dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


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
    """
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _to_builtin(value: Any) -> Any:
    if hasattr(value, 'item'):
        return value.item()
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')
