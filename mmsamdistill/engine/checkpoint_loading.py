"""Local checkpoint loading that works with torch >= 2.6 and stays safe.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
calls ``torch.load`` without that argument, so resuming from, or
``load_from``-ing, one of its own training checkpoints fails: they pickle
Python objects (the message hub's ``HistoryBuffer``, numpy scalars in ``meta``)
that the weights-only unpickler refuses (mmengine issue #1655).

Full unpickling runs code stored in the file, so it must not be switched on
for every load. The loader registered here keeps ``weights_only=True`` for
every local file -- pretrained weights, exported students, SAM and VGG
checkpoints -- and only inside :func:`trusted_run_checkpoints` (entered by
:class:`~mmsamdistill.engine.TrustedResumeRunner` around ``--resume`` and
``load_from``) retries a file the weights-only unpickler refused with full
unpickling. That is the trust decision: a checkpoint named as the run's own
resume/``load_from`` file is trusted like the config that names it.
"""
import contextlib
import os.path as osp
import pickle
import threading
from typing import Any, Iterator, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_state = threading.local()


@contextlib.contextmanager
def trusted_run_checkpoints() -> Iterator[None]:
    """Allow full unpickling of local checkpoints loaded inside this block.

    Use it only around loads of checkpoints written by your own training runs.
    """
    previous = getattr(_state, 'trusted', False)
    _state.trusted = True
    try:
        yield
    finally:
        _state.trusted = previous


def load_local_checkpoint(
        filename: str,
        map_location: Optional[Union[str, torch.device]] = None) -> Any:
    """Load a local checkpoint, weights-only unless inside a trusted block.

    Args:
        filename (str): Path of the checkpoint (``~`` is expanded).
        map_location (str | torch.device, optional): Passed to ``torch.load``.

    Returns:
        The loaded object, usually a dict with ``state_dict`` or tensors.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if getattr(_state, 'trusted', False):
            return torch.load(
                filename, map_location=map_location, weights_only=False)
        raise pickle.UnpicklingError(
            f'Refused to load {filename}: it holds Python objects besides '
            'tensors, and unpickling them would run code from the file. If '
            'it is a checkpoint of your own training run, pass it as '
            f'`--resume {filename}` or `load_from`, which trust run '
            'checkpoints; for its '
            'weights alone, run `python tools/export_student.py '
            f'{filename} OUT.pth` and load OUT.pth. Underlying error: '
            f'{str(err).splitlines()[0]}') from err


CheckpointLoader.register_scheme(
    prefixes='', loader=load_local_checkpoint, force=True)
