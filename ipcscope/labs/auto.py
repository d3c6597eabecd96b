"""Run a lab with no terminal: every step, its expected kernel state checked, a transcript printed.

This is `ipcscope lab run NAME --auto`: a teacher's rehearsal and the labs' own test. The session is
stopped in every case (success, failed expectation, error, ctrl-c or SIGTERM).
"""

from __future__ import annotations

import signal
import textwrap
import time
from typing import TextIO

from ipcscope.labs.context import LabError
from ipcscope.labs.lab import Lab
from ipcscope.labs.session import LabSession, cleanup_stale

#: at most this many output lines per process and step in the transcript
MAX_LINES = 6


def run_auto(lab: Lab, out: TextIO, *, step_timeout: float = 10.0, runtime: str | None = None) -> bool:
    """Run every step of `lab`; True when every expectation held. Prints the transcript to `out`."""
    session = LabSession(lab, auto=True, step_timeout=step_timeout, runtime=runtime)
    started = time.monotonic()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    passed = interrupted = False
    try:
        print(f"Lab {lab.name}: {lab.title}", file=out)
        print(f"Goal: {lab.goal}", file=out, flush=True)
        notice = cleanup_stale(runtime)
        if notice is not None:
            print(f"Notice: {notice}", file=out)
        print(f"\nStep 1/{session.step_count}: {lab.steps[0].title}", file=out, flush=True)
        session.start()
        while True:
            if not _report_step(session, out):
                return False
            if not session.has_next:
                break
            session.next()
        passed = True
        return True
    except LabError as error:
        print(f"Lab stopped: {error}", file=out)
        return False
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        report = session.stop()
        elapsed = time.monotonic() - started
        verdict = "passed" if passed else "INTERRUPTED" if interrupted else "FAILED"
        print(f"\nLab {lab.name} {verdict} in {elapsed:.1f} s. Cleanup: {report}.", file=out, flush=True)
        signal.signal(signal.SIGTERM, previous)


def _report_step(session: LabSession, out: TextIO) -> bool:
    """Print the shown step (C code, process output, the check); False if the check failed."""
    step = session.step
    assert step is not None
    if session.index > 0:
        print(f"\nStep {session.index + 1}/{session.step_count}: {step.title}", file=out)
    if step.c_code:
        print(textwrap.indent(step.c_code, "    | "), file=out)
    result = session.wait_until_expected()
    _print_output(session, out)
    mark = "ok" if result.ok else "FAILED"
    print(f"  [{mark}] {result.explanation}", file=out, flush=True)
    return result.ok


def _print_output(session: LabSession, out: TextIO) -> None:
    by_label: dict[str, list[str]] = {}
    for label, line in session.new_output():
        by_label.setdefault(label, []).append(line)
    for label, lines in by_label.items():
        shown = lines if len(lines) <= MAX_LINES else lines[:MAX_LINES - 1]
        for line in shown:
            print(f"  {label:>14}: {line}", file=out)
        if len(shown) < len(lines):
            print(f"  {label:>14}: ... ({len(lines) - len(shown)} more lines)", file=out)


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
