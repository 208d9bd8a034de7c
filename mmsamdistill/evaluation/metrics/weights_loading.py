"""Load the frozen networks of the metrics weights-only.

Files, ``http(s)://`` URLs (downloaded once into torch hub's cache) and
mmengine model names all go through the package's one loader,
:func:`mmsamdistill.engine.load_checkpoint_file`, never through
``torch.hub``'s full unpickler.
"""
import torch.nn as nn

from ...engine.checkpoint_loading import load_state_dict_file


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
    state = load_state_dict_file(filename)
    missing = sorted(set(module.state_dict()) - set(state))
    if missing:
        raise KeyError(
            f'{filename} does not hold the weights of this '
            f'{type(module).__name__}: {len(missing)} missing, e.g. '
            f'{missing[:3]}. Check that the checkpoint matches the network '
            'config.')
    module.load_state_dict(state, strict=False)
