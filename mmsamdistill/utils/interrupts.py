"""Turn SIGTERM into an exception, so that a stopped run cleans up."""
import signal
from contextlib import contextmanager
from typing import Iterator


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); Ctrl-C raises its parent.

    Args:
        signum (int): The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's exit status of a process stopped by ``interrupt``
    (128 + signal number: 143 for SIGTERM, 130 for Ctrl-C)."""
    return 128 + getattr(interrupt, 'signum', signal.SIGINT)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Raise :class:`Interrupted` on SIGTERM while the block runs.

    Python dies on SIGTERM without unwinding, so temp files stay and locks
    and claims are not released; as an exception (like Ctrl-C's
    ``KeyboardInterrupt``) the ``finally`` blocks of atomic writes, locks
    and claims run, and the tool can say how to go on. The previous handler
    comes back after the block.
    """

    def interrupt(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
