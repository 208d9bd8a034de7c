"""A running average of some of a model's parameters, swapped in on demand."""
import contextlib
from typing import Dict, Iterator

import torch
import torch.nn as nn


class ParameterEMA(nn.Module):
    """Exponential moving average of named parameters (an EMA teacher).

    The averages are buffers, so they are saved in checkpoints and survive
    ``--resume``. Until the first :meth:`update` they hold nothing: that
    update copies the parameters as they are then, i.e. after a
    ``load_from`` (which runs after the model is built).

    Args:
        parameters (dict[str, nn.Parameter]): The averaged parameters by
            name (their owner's ``named_parameters`` names).
        decay (float): Weight of the running average at each update, in
            [0, 1); 0.999 averages over about the last 1000 steps.
    """

    def __init__(self, parameters: Dict[str, nn.Parameter],
                 decay: float) -> None:
        super().__init__()
        if not 0 <= decay < 1:
            raise ValueError(f'EMA decay must be in [0, 1), got {decay}')
        if not parameters:
            raise ValueError('ParameterEMA needs at least one parameter')
        self.decay = decay
        self.names = list(parameters)
        for index, param in enumerate(parameters.values()):
            self.register_buffer(f'average_{index}',
                                 param.detach().clone())
        self.register_buffer('num_updates', torch.tensor(0))

    def averages(self) -> Iterator[torch.Tensor]:
        return (getattr(self, f'average_{i}') for i in range(len(self.names)))

    def _check(self, parameters: Dict[str, nn.Parameter]) -> None:
        if list(parameters) != self.names:
            raise KeyError('the parameters differ from those the EMA was '
                           'built with')

    @torch.no_grad()
    def update(self, parameters: Dict[str, nn.Parameter]) -> None:
        """Average the parameters' current values in (copy on first use).

        Args:
            parameters (dict[str, nn.Parameter]): The same names as at
                construction.
        """
        self._check(parameters)
        first = int(self.num_updates) == 0
        for average, param in zip(self.averages(), parameters.values()):
            if first:
                average.copy_(param)
            else:
                average.lerp_(param.detach(), 1 - self.decay)
        self.num_updates += 1

    @contextlib.contextmanager
    def applied(self, parameters: Dict[str, nn.Parameter]) -> Iterator[None]:
        """Run the owner with the averages in place of the parameters.

        Meant for forwards without gradient (the teacher's targets); the
        parameters are restored on exit, also after an error.

        Args:
            parameters (dict[str, nn.Parameter]): The same names as at
                construction.
        """
        self._check(parameters)
        if int(self.num_updates) == 0:  # nothing averaged yet: as they are
            yield
            return
        saved = [param.data for param in parameters.values()]
        try:
            for average, param in zip(self.averages(), parameters.values()):
                param.data = average
            yield
        finally:
            for data, param in zip(saved, parameters.values()):
                param.data = data
