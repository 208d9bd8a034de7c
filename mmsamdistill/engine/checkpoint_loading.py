"""The package's one checkpoint loader: weights-only, for every file.

torch >= 2.6 loads checkpoints weights-only by default: its unpickler builds
tensors, containers and numbers, and nothing that could run code. mmengine's
own training checkpoints store a few more objects -- the message hub's
:class:`~mmengine.logging.HistoryBuffer` (numpy arrays and its statistics
methods inside) and numpy scalars and dtypes -- that the weights-only
unpickler refuses unless told they are safe. Importing this module
allow-lists exactly those with :func:`torch.serialization.add_safe_globals`;
none of them runs code when unpickled, and the only ``getattr`` allowed is
the lookup of ``HistoryBuffer``'s own statistics methods (no ``getattr`` or
``eval``-style gadgets). So:

* stock mmengine -- ``Runner`` resume and ``load_from`` in our tools and in any
  project that adds ``custom_imports=['mmsamdistill']`` -- loads its own
  checkpoints with its plain ``torch.load``, weights-only, and torch's
  ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` keeps its documented meaning there;
* :func:`load_checkpoint_file`, used by every loader of this package (run
  checkpoints, exported students, SAM, VGG, metric networks), always passes
  ``weights_only=True``, also for ``http(s)://`` and ``torchvision://`` files,
  which it downloads into torch hub's cache and reads itself instead of
  handing them to ``torch.hub``'s full unpickler.

A file holding anything else is refused with the names of its offending
globals; nothing is ever unpickled in full.
"""
import io
import os
import os.path as osp
import pickle
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

MapLocation = Optional[Union[str, torch.device, Callable, Dict]]


def _numpy_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """numpy's array and scalar reconstructors and its dtypes, under both
    module names (``numpy.core`` for numpy 1, ``numpy._core`` for numpy 2).

    ``_reconstruct`` builds an empty ``ndarray`` and ``scalar`` a number from
    raw bytes; an object array's items go through the same restricted
    unpickler. A dtype is rebuilt by its class (``numpy.dtypes.Float64DType``
    in numpy >= 1.25), which must be allowed to receive its state.
    """
    try:
        from numpy.core import multiarray
    except ImportError:  # pragma: no cover - numpy 2 without the alias
        from numpy._core import multiarray  # type: ignore
    found: List[Union[Callable, Tuple[Callable, str]]] = [
        np.ndarray, np.dtype
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        found += [(multiarray._reconstruct, f'{module}._reconstruct'),
                  (multiarray.scalar, f'{module}.scalar')]
    dtype_classes = {
        type(np.dtype(code))
        for code in ('?', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q',
                     'e', 'f', 'd', 'g', 'F', 'D', 'G', 'U', 'S', 'V', 'O',
                     'M8[s]', 'm8[s]')
    }
    found += sorted((c for c in dtype_classes if c is not np.dtype),
                    key=lambda c: c.__name__)
    return found


_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(owner: Any, name: str) -> Callable:
    """What ``builtins.getattr`` may do in a weights-only load: nothing but
    look up one of :class:`HistoryBuffer`'s built-in statistics.

    A ``HistoryBuffer`` pickles its statistics methods (``__getstate__``) and
    pickle protocol 2 writes a method as ``getattr(HistoryBuffer, 'min')``.
    Real ``getattr`` would reach any attribute of any allowed object, so
    every other lookup is refused.
    """
    if owner is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights-only loading refuses getattr({owner!r}, {name!r}): only '
        'the statistics methods of mmengine\'s HistoryBuffer are allowed')


#: What an mmengine/MMagic training checkpoint stores besides what torch's
#: weights-only unpickler accepts by default, found by saving real
#: checkpoints (``tests/test_engine/test_checkpoint_loading.py`` keeps
#: checking it): the message hub's ``HistoryBuffer`` with its statistics
#: methods, and the numpy arrays, scalars and dtypes in it and in ``meta``.
MMENGINE_SAFE_GLOBALS = [
    HistoryBuffer, (_history_buffer_statistic, 'builtins.getattr'),
    *_numpy_safe_globals()
]

torch.serialization.add_safe_globals(MMENGINE_SAFE_GLOBALS)

_URL_PREFIXES = ('http://', 'https://')
_TORCHVISION_PREFIXES = ('torchvision://', 'modelzoo://')
_OPENMMLAB_PREFIXES = ('open-mmlab://', 'openmmlab://')


def hub_cache_path(url: str) -> str:
    """Where torch.hub (and mmengine) keep the download of ``url``.

    Args:
        url (str): An ``http(s)://`` URL.

    Returns:
        str: ``<torch hub dir>/checkpoints/<file name of the URL>``.
    """
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def _download_once(url: str) -> str:
    """Download ``url`` into torch hub's cache unless it is there already.

    In a distributed run the first process of each machine downloads while
    the others wait, so the file is fetched once per machine.
    """
    from mmengine.dist import barrier, get_dist_info
    path = hub_cache_path(url)
    _, world_size = get_dist_info()
    if int(os.environ.get('LOCAL_RANK', 0)) == 0 and not osp.isfile(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
        # writes a temporary file and renames it when complete
        torch.hub.download_url_to_file(url, path, progress=True)
    if world_size > 1:
        barrier()
    if not osp.isfile(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
        torch.hub.download_url_to_file(url, path, progress=True)
    return path


def _model_url(filename: str) -> str:
    """The URL (or mmengine-home path) behind a ``torchvision://``,
    ``modelzoo://`` or ``open-mmlab://`` name, as mmengine maps it."""
    from mmengine.runner.checkpoint import (get_deprecated_model_names,
                                            get_external_models,
                                            get_torchvision_models)
    scheme, name = filename.split('://', 1)
    if filename.startswith(_TORCHVISION_PREFIXES):
        urls = get_torchvision_models()
    else:
        urls = get_external_models()
        name = get_deprecated_model_names().get(name, name)
    if name not in urls:
        raise KeyError(f'{filename}: mmengine knows no {scheme} model '
                       f'{name!r}')
    return urls[name]


def checkpoint_path(filename: str) -> Optional[str]:
    """The local file a checkpoint name refers to, downloading it if needed.

    Args:
        filename (str): A file path (``~`` expanded), an ``http(s)://`` URL,
            ``torchvision://NAME`` / ``modelzoo://NAME`` or
            ``open-mmlab://NAME`` (mapped to their URLs as mmengine does and
            downloaded once into torch hub's cache), or another mmengine
            file-backend URI (``s3://``...).

    Returns:
        str | None: The local path; None for a backend URI that is read into
        memory instead.
    """
    if filename.startswith(_TORCHVISION_PREFIXES + _OPENMMLAB_PREFIXES):
        url = _model_url(filename)
        if not url.startswith(_URL_PREFIXES):  # open-mmlab's local models
            from mmengine.runner.checkpoint import _get_mmengine_home
            url = osp.join(_get_mmengine_home(), url)
        filename = url
    if filename.startswith(_URL_PREFIXES):
        return _download_once(filename)
    if '://' in filename:
        return None
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return filename


def fetch_remote(filename: str) -> str:
    """``filename`` itself, or for an ``http(s)://`` URL or a
    ``torchvision://``/``open-mmlab://`` name its copy in torch hub's cache.

    Give the result to mmengine (``load_from``, ``resume``): its own URL
    loader hands downloads to ``torch.hub``, which unpickles them in full,
    whereas a local file goes through its plain, weights-only ``torch.load``.

    Args:
        filename (str): A checkpoint name.

    Returns:
        str: A local path for remote names, else ``filename`` unchanged.
    """
    if filename and filename.startswith(_URL_PREFIXES + _TORCHVISION_PREFIXES
                                        + _OPENMMLAB_PREFIXES):
        return checkpoint_path(filename) or filename
    return filename


class CheckpointRefusedError(pickle.UnpicklingError):
    """A checkpoint that cannot be loaded weights-only; the message names
    the file and what to do."""


def _unsafe_globals(path: Optional[str]) -> List[str]:
    if path is None:
        return []
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # not a zip checkpoint: the error message tells
        return []


def _is_unreadable(error: BaseException) -> bool:
    """Whether ``error`` says the file is damaged rather than unsafe."""
    if isinstance(error, (EOFError, RuntimeError)):
        return True
    text = str(error)
    return 'invalid load key' in text or 'truncated' in text


def refusal_message(filename: str, path: Optional[str],
                    error: BaseException) -> str:
    """Why ``filename`` was refused, and what to do that actually works.

    The one message of every tool and loading path: a file that pickles
    code (with the command that extracts its tensors, for a trusted file),
    or a damaged one (truncated, still being written, not a checkpoint).

    Args:
        filename (str): The checkpoint as the user named it.
        path (str, optional): Its local file (a download), if any.
        error (BaseException): What ``torch.load`` raised.

    Returns:
        str: The message, starting with ``Refused to load <filename>``.
    """
    if isinstance(error, CheckpointRefusedError):
        return str(error)
    unsafe = _unsafe_globals(path)
    if not unsafe and _is_unreadable(error):
        return (
            f'Refused to load {filename}: it is not a readable checkpoint '
            '(truncated, still being written, or not a PyTorch file). A '
            'training run writes its checkpoints atomically, so an '
            'interrupted one leaves the previous checkpoints complete: '
            'resume from one of them (--resume work_dir/iter_N.pth), or '
            'copy or download the file again.\n'
            f'Underlying error: {_key_line(error)}')
    found = (f' ({", ".join(unsafe[:6])})' if unsafe else '')
    source = path or filename
    return (
        f'Refused to load {filename}: besides tensors it pickles Python '
        f'objects that are not on the weights-only allow-list{found}, and '
        'unpickling them would run code stored in the file. mmsamdistill '
        'loads every checkpoint weights-only; plain state dicts, exported '
        'students, SAM and VGG releases and mmengine/MMagic training '
        'checkpoints all pass. If you know where this file comes from and '
        'trust it, extract its tensors once and use the result:\n'
        f'    python -c "import torch; c = torch.load({source!r}, '
        "map_location='cpu', weights_only=False); torch.save(c.get("
        "'state_dict', c) if isinstance(c, dict) else c, "
        f'{source + ".weights.pth"!r})"\n'
        f'Underlying error: {_key_line(error)}')


def is_load_failure(error: BaseException) -> bool:
    """Whether ``torch.load`` raised ``error`` because of the file itself
    (unsafe or damaged content), not because of the caller."""
    if isinstance(error, (pickle.UnpicklingError, EOFError)):
        return True
    return isinstance(error, RuntimeError) and (
        'PytorchStreamReader' in str(error) or 'zip archive' in str(error))


def _key_line(error: BaseException) -> str:
    """The line of torch's long message that names what was refused."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for line in lines:
        if 'GLOBAL' in line or 'refuses' in line or 'Unsupported' in line:
            return line
    return lines[0] if lines else type(error).__name__


def load_checkpoint_file(filename: str,
                         map_location: MapLocation = 'cpu') -> Any:
    """Load a checkpoint weights-only, from a file, URL or model name.

    Args:
        filename (str): See :func:`checkpoint_path`.
        map_location: Passed to ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        The loaded object: usually a dict with ``state_dict`` (mmengine) or
        ``model`` (SAM), or a plain state dict.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointRefusedError: The file pickles objects outside the
            allow-list, or is damaged (the message names the file and says
            what to do).
    """
    path = checkpoint_path(filename)
    if path is None:
        from mmengine.fileio import get
        source: Any = io.BytesIO(get(filename))
    else:
        source = path
    # again, in case someone cleared them (torch's safe_globals context
    # removes its globals on exit, even those registered before)
    torch.serialization.add_safe_globals(MMENGINE_SAFE_GLOBALS)
    try:
        return torch.load(source, map_location=map_location, weights_only=True)
    except Exception as err:
        if not is_load_failure(err):
            raise
        raise CheckpointRefusedError(refusal_message(filename, path,
                                                     err)) from err


def load_state_dict_file(filename: str,
                         map_location: MapLocation = 'cpu'
                         ) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint, weights-only.

    An mmengine ``state_dict`` (or SAM ``model``) entry is unwrapped and a
    DataParallel ``module.`` prefix removed.

    Args:
        filename (str): See :func:`checkpoint_path`.
        map_location: Passed to ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        dict: Parameter name to tensor.
    """
    loaded = load_checkpoint_file(filename, map_location)
    if not isinstance(loaded, dict):
        raise TypeError(f'{filename} holds a {type(loaded).__name__}, not a '
                        'state dict')
    for key in ('state_dict', 'model'):
        if isinstance(loaded.get(key), dict):
            loaded = loaded[key]
            break
    return {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in loaded.items()
    }
