"""Fail a test run whose checkpoint does not fit the model it tests."""
import re
from typing import Dict, List, Sequence, Tuple

from mmagic.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class CheckpointMismatchError(ValueError):
    """The checkpoint lacks weights of the tested network, has extra ones or
    weights of another shape."""


def checkpoint_mismatches(own: Dict, state: Dict,
                          prefixes: Sequence[str]) -> List[str]:
    """Differences between a model's and a checkpoint's weights.

    Only keys under ``prefixes`` are compared (the network that runs at test
    time); a model without such keys is compared as a whole.

    Args:
        own (dict): The model's ``state_dict()``.
        state (dict): The checkpoint's state dict (``module.`` stripped).
        prefixes (Sequence[str]): E.g. ``('generator.',)``.

    Returns:
        list[str]: One line per kind of difference; empty when they match.
    """
    prefixes = tuple(prefixes)
    if any(k.startswith(prefixes) for k in own):
        def scope(k):
            return k.startswith(prefixes)
    else:
        def scope(k):
            return True
    missing = sorted(k for k in own if scope(k) and k not in state)
    unexpected = sorted(k for k in state if scope(k) and k not in own)
    shapes = sorted(
        f'{k} (checkpoint {tuple(state[k].shape)}, model '
        f'{tuple(own[k].shape)})' for k in own
        if scope(k) and k in state and hasattr(state[k], 'shape')
        and tuple(state[k].shape) != tuple(own[k].shape))
    lines = []
    for what, keys in (('missing', missing), ('unexpected', unexpected),
                       ('of another shape', shapes)):
        if keys:
            more = f' and {len(keys) - 8} more' if len(keys) > 8 else ''
            lines.append(f'{len(keys)} {what}: {", ".join(keys[:8])}{more}')
    return lines


@HOOKS.register_module()
class CheckpointKeysHook(Hook):
    """Raise when a loaded checkpoint does not fit the model's network.

    mmengine loads ``load_from`` with ``strict=False`` and only logs missing
    keys and size mismatches, so a checkpoint of another architecture would
    be scored with partly random weights. ``tools/test.py`` registers this
    hook: the weights under ``prefixes`` (the generator, the only network
    that runs at test time) must all be present, with the model's shapes, and
    the checkpoint may hold no other weights under them. Parts that exist
    only for training (a cascade's ``teacher.*``: IR2, SPF, the gate) may be
    missing: an exported student tests with the cascade's config.

    Args:
        prefixes (Sequence[str]): Key prefixes that must match. Defaults to
            ``('generator.',)``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, prefixes: Sequence[str] = ('generator.', )) -> None:
        self.prefixes = tuple(prefixes)

    def compare(self, runner,
                checkpoint: dict) -> Tuple[Dict, Dict, List[str]]:
        """The runner's model's weights against a loaded checkpoint's.

        Args:
            runner (Runner): The runner whose model was loaded.
            checkpoint (dict): The loaded checkpoint.

        Returns:
            tuple[dict, dict, list[str]]: The model's state dict, the
            checkpoint's (``module.`` stripped), and their differences under
            ``prefixes`` (:func:`checkpoint_mismatches`).
        """
        state = checkpoint.get('state_dict', checkpoint)
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        own = model.state_dict()
        return own, state, checkpoint_mismatches(own, state, self.prefixes)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        _, _, problems = self.compare(runner, checkpoint)
        if problems:
            raise CheckpointMismatchError(
                'The checkpoint does not fit the network of this config ('
                f'{", ".join(self.prefixes)} weights): ' +
                '; '.join(problems) +
                '. Was it trained with this config (same architecture and '
                'widths)?')
