"""SIGTERM (`kill PID`, a job scheduler's stop) ends a command as cleanly as Ctrl-C: exit code 143.

Python's default for SIGTERM is to die on the spot, which leaves every temporary behind (a
`run.partial/`, `checkpoints/tmp_step_N`, `.NAME.<hex>.tmp.mp4`). Raising `Terminated` instead
unwinds the stack, so each writer's clean-up (seine_lite/atomic.py) removes its temporary and the
old files stay as they were.
"""
import contextlib
import signal
import threading

EXIT_CODE = 143   # 128 + SIGTERM, what a shell reports for a process SIGTERM ended


class Terminated(SystemExit):
    """Raised by the SIGTERM handler; a SystemExit, so `except Exception` never swallows it."""

    def __init__(self):
        super().__init__(EXIT_CODE)


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # a second SIGTERM never interrupts the clean-up
    raise Terminated()


@contextlib.contextmanager
def sigterm_unwinds():
    """While inside, SIGTERM raises `Terminated` (main thread only: signals go there); restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
