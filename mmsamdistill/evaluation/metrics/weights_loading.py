"""Load the frozen networks of the metrics weights-only.

mmengine's ``http(s)://`` loader hands the download to ``torch.hub``, which
unpickles it fully. Here a URL is first downloaded into torch hub's
checkpoint folder (where mmengine and torch.hub would put it, so an earlier
download is reused) and the local file is then read through mmengine's
``CheckpointLoader``, whose local-file loader this project replaces by a
weights-only one (:mod:`mmsamdistill.engine.checkpoint_loading`).
"""
import os
import os.path as osp
from typing import Dict
from urllib.parse import urlparse

import torch
import torch.nn as nn
from mmengine.runner.checkpoint import CheckpointLoader


def local_checkpoint(filename: str) -> str:
    """Return a local path for ``filename``, downloading a URL once.

    Args:
        filename (str): A file path, an ``http(s)://`` URL or another
            mmengine scheme (``torchvision://``, ...; returned unchanged).

    Returns:
        str: The local file of a URL, else ``filename`` itself.
    """
    if not filename.startswith(('http://', 'https://')):
        return filename
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    path = osp.join(folder, osp.basename(urlparse(filename).path))
    if not osp.isfile(path):
        os.makedirs(folder, exist_ok=True)
        # downloads to a temporary file and renames it when complete
        torch.hub.download_url_to_file(filename, path, progress=True)
    return path


def load_state_dict(filename: str) -> Dict[str, torch.Tensor]:
    """Read the weights of a checkpoint, weights-only for files and URLs.

    Args:
        filename (str): Path, URL or mmengine scheme of the checkpoint.

    Returns:
        dict: The state dict (an mmengine ``state_dict`` entry is unwrapped
        and a DataParallel ``module.`` prefix removed).
    """
    checkpoint = CheckpointLoader.load_checkpoint(
        local_checkpoint(filename), map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    return {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state.items()
    }


def load_pretrained(module: nn.Module, filename: str) -> None:
    """Load ``filename`` into ``module``; every weight must be covered.

    Keys the module lacks (an unused auxiliary head, an optimizer-free
    training leftover) are ignored, but a module weight missing from the
    file is an error: a metric computed with random weights would look
    valid.

    Args:
        module (nn.Module): The network.
        filename (str): Path, URL or mmengine scheme of the checkpoint.
    """
    state = load_state_dict(filename)
    missing = sorted(set(module.state_dict()) - set(state))
    if missing:
        raise KeyError(
            f'{filename} does not hold the weights of this '
            f'{type(module).__name__}: {len(missing)} missing, e.g. '
            f'{missing[:3]}. Check that the checkpoint matches the network '
            'config.')
    module.load_state_dict(state, strict=False)
