"""A stop (Ctrl-C, SIGTERM) is found behind the errors libraries make of it."""
import signal

import pytest
from mmengine import Config

from mmsamdistill.utils import (Interrupted, exit_code, interrupt_behind,
                                stop_on_sigterm)


def test_a_stop_turned_into_another_error_is_found():
    def formatting_that_catches_everything():
        try:
            raise Interrupted(signal.SIGTERM)
        except:  # noqa: E722  (what mmengine's config formatting does)
            raise SyntaxError('Failed to format the config file')

    with pytest.raises(SyntaxError) as caught:
        formatting_that_catches_everything()
    stop = interrupt_behind(caught.value)
    assert isinstance(stop, Interrupted) and exit_code(stop) == 143
    assert interrupt_behind(KeyboardInterrupt()) is not None
    assert interrupt_behind(ValueError('a real error')) is None


def test_sigterm_during_mmengine_config_formatting(monkeypatch):
    """The real case: SIGTERM lands while a checkpoint's meta formats the
    config; mmengine raises SyntaxError, the stop stays behind it."""
    def interrupted(*args, **kwargs):
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr('mmengine.config.config.FormatCode', interrupted)
    with stop_on_sigterm(), pytest.raises(SyntaxError) as caught:
        Config(dict(a=1)).pretty_text
    assert isinstance(interrupt_behind(caught.value), Interrupted)
