"""A live console line for a tool running in a subprocess.

The demo, the paired seeds and the ablation run ``tools/train.py`` and
``tools/test.py`` with their output in a log file. :func:`run_logged` keeps
the whole output there and shows one line on the console per run: the
stage, the iteration out of the total and mmengine's ETA, read from the
runner's log lines (``Iter(train) [  50/1000]  ...  eta: 0:01:23  ...``).
"""
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Optional, Sequence, TextIO

# mmengine's LogProcessor: "Iter(train) [  50/1000]" (by iteration) or
# "Epoch(train) [1][ 50/100]" (by epoch); the ETA is a timedelta string.
ITER_LINE = re.compile(
    r'(?:Iter|Epoch)\((?P<mode>train|val|test)\)\s*(?:\[\s*\d+\])?'
    r'\s*\[\s*(?P<done>\d+)/(?P<total>\d+)\]')
ETA = re.compile(r'eta:\s*(?P<eta>(?:\d+ days?, )?\d+:\d{2}:\d{2})')


@dataclass
class IterProgress:
    """One parsed runner log line."""
    mode: str
    done: int
    total: int
    eta: Optional[str]


def parse_progress(line: str) -> Optional[IterProgress]:
    """The progress an mmengine log line reports, or None.

    Args:
        line (str): A line of a tool's output.

    Returns:
        IterProgress | None: Mode (train/val/test), iteration, total and ETA.
    """
    match = ITER_LINE.search(line)
    if match is None:
        return None
    eta = ETA.search(line, match.end())
    return IterProgress(match['mode'], int(match['done']),
                        int(match['total']), eta['eta'] if eta else None)


class ProgressLine:
    """Shows a stage's progress on one console line.

    On a terminal the line is redrawn in place; otherwise (output piped to
    a file) a line is printed at most every ``interval`` seconds, so logs of
    the console stay short.

    Args:
        stage (str): What runs, e.g. ``'demo/rain/seed0/distilled train'``.
        stream (TextIO, optional): Defaults to ``sys.stdout``.
        interval (float): Seconds between printed lines when the stream is
            not a terminal. Defaults to 30.
    """

    def __init__(self, stage: str, stream: Optional[TextIO] = None,
                 interval: float = 30.) -> None:
        self.stage = stage
        self.stream = stream or sys.stdout
        self.interval = interval
        self.live = self.stream.isatty()
        self.start = time.monotonic()
        self.last_print = None
        self.drawn = False

    def update(self, progress: IterProgress) -> None:
        """Show ``progress`` (redrawn on a terminal, throttled otherwise)."""
        step = 'iter' if progress.mode == 'train' else progress.mode
        text = f'{self.stage}: {step} {progress.done}/{progress.total}'
        if progress.eta:
            text += f', eta {progress.eta}'
        now = time.monotonic()
        if self.live:
            self.stream.write(f'\r\033[K{text}')
            self.drawn = True
        elif (self.last_print is None
              or now - self.last_print >= self.interval
              or progress.done == progress.total):
            self.stream.write(text + '\n')
            self.last_print = now
        else:
            return
        self.stream.flush()

    def finish(self, status: str) -> None:
        """End the line with ``status`` and the elapsed time."""
        seconds = time.monotonic() - self.start
        prefix = '\r\033[K' if self.drawn else ''
        self.stream.write(f'{prefix}{self.stage}: {status} in '
                          f'{seconds:.0f} s\n')
        self.stream.flush()


def run_logged(args: Sequence[str], log_path: str, stage: str,
               cwd: Optional[str] = None,
               stream: Optional[TextIO] = None) -> int:
    """Run a command with its output appended to ``log_path``, its progress
    on the console.

    Args:
        args (Sequence[str]): The command.
        log_path (str): Log file; gets the command line, then every byte
            the command writes to stdout and stderr.
        stage (str): The console line's name of this run.
        cwd (str, optional): Working directory.
        stream (TextIO, optional): Console stream. Defaults to stdout.

    Returns:
        int: The command's exit code.
    """
    line = ProgressLine(stage, stream)
    # unbuffered, so the runner's lines arrive as it logs them
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    with open(log_path, 'ab') as log:
        log.write(f'$ {" ".join(args)}\n'.encode())
        log.flush()
        with subprocess.Popen(list(args), cwd=cwd, env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT) as proc:
            for raw in proc.stdout:  # split on b'\n' only: tqdm's \r stays
                log.write(raw)
                progress = parse_progress(raw.decode('utf-8', 'replace'))
                if progress is not None:
                    log.flush()
                    line.update(progress)
            code = proc.wait()
    line.finish('done' if code == 0 else f'failed (exit code {code})')
    return code
