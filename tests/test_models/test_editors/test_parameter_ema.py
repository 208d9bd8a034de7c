"""ParameterEMA: copy on first use, running average, swap in and back."""
import pytest
import torch
import torch.nn as nn

from mmsamdistill.models.editors.parameter_ema import ParameterEMA


def test_first_update_copies_then_averages():
    net = nn.Linear(2, 1)
    params = dict(net.named_parameters())
    ema = ParameterEMA(params, decay=0.9)
    with torch.no_grad():
        net.weight.fill_(1.0)
    ema.update(params)  # copies: the weights as they are after load_from
    assert torch.equal(ema.average_0, net.weight.detach())
    with torch.no_grad():
        net.weight.fill_(2.0)
    ema.update(params)
    assert torch.allclose(ema.average_0, torch.full_like(net.weight, 1.1))
    assert int(ema.num_updates) == 2


def test_applied_swaps_the_average_in_and_restores_the_weights():
    net = nn.Linear(2, 1, bias=False)
    params = dict(net.named_parameters())
    ema = ParameterEMA(params, decay=0.5)
    with torch.no_grad():
        net.weight.fill_(0.0)
    ema.update(params)
    with torch.no_grad():
        net.weight.fill_(4.0)
    ema.update(params)  # average 2.0
    x = torch.ones(1, 2)
    with ema.applied(params):
        assert float(net(x)) == pytest.approx(4.0)
    assert float(net(x)) == pytest.approx(8.0)
    with pytest.raises(RuntimeError):
        with ema.applied(params):
            raise RuntimeError('boom')
    assert float(net(x)) == pytest.approx(8.0)


def test_before_any_update_the_weights_are_used_as_they_are():
    net = nn.Linear(2, 1)
    params = dict(net.named_parameters())
    ema = ParameterEMA(params, decay=0.9)
    with torch.no_grad():
        net.weight.fill_(3.0)
    with ema.applied(params):
        assert torch.all(net.weight == 3.0)


def test_bad_arguments_are_refused():
    net = nn.Linear(2, 1)
    with pytest.raises(ValueError, match='decay'):
        ParameterEMA(dict(net.named_parameters()), decay=1.0)
    ema = ParameterEMA(dict(net.named_parameters()), decay=0.9)
    with pytest.raises(KeyError):
        ema.update(dict(nn.Linear(2, 1, bias=False).named_parameters()))
