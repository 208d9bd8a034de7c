"""Turn SIGTERM into an exception, so that a stopped run cleans up."""
import signal
from contextlib import contextmanager
from typing import Iterator, Optional


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


def interrupt_behind(error: BaseException) -> Optional[KeyboardInterrupt]:
    """The Ctrl-C or SIGTERM that ``error`` was raised while handling, if any.

    A library that catches everything turns a stop into its own error (e.g.
    mmengine's config formatting, run at every checkpoint, raises
    ``SyntaxError`` from a bare ``except``); the stop stays in the chain of
    causes and contexts.

    Args:
        error (BaseException): The exception caught.

    Returns:
        KeyboardInterrupt | None: The interrupt, or None.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


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
