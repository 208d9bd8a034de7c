"""Load a checkpoint of your own training run into a model, checked."""
from torch import nn

from ..engine.checkpoint_loading import load_state_dict_file


def load_run_checkpoint(model: nn.Module, checkpoint: str) -> None:
    """Load every weight of ``model`` from a run checkpoint, weights-only.

    Weights of frozen helpers that live outside the module tree (VGG, SAM)
    are not in checkpoints and not expected.

    Args:
        model (nn.Module): The model built from the run's config.
        checkpoint (str): The run's checkpoint.

    Raises:
        KeyError: The checkpoint lacks weights of ``model`` (another config,
            or ablation overrides missing from the config).
    """
    state = load_state_dict_file(checkpoint)
    missing = model.load_state_dict(state, strict=False).missing_keys
    if missing:
        raise KeyError(f'{checkpoint} lacks {len(missing)} weights of the '
                       f'model, e.g. {missing[:3]}: was it trained with '
                       'this config and these overrides?')
