"""Small helpers for writing expectations as a list of facts about the kernel and the processes."""

from __future__ import annotations

import re
import signal

from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check


def fact(ok: bool, text: str) -> tuple[bool, str]:
    """One thing a step expects; `text` says what was seen (and what was wanted, if it differs)."""
    return ok, text


def verdict(*facts: tuple[bool, str]) -> Check:
    """OK with every fact's text, or not OK with the texts of the facts that do not hold."""
    failed = [text for ok, text in facts if not ok]
    if failed:
        return Check(False, "; ".join(failed))
    return Check(True, "; ".join(text for _, text in facts))


def missing(what: str) -> Check:
    return Check(False, f"{what} does not exist (yet)")


def who(ctx: LabContext, label: str) -> str:
    """"A (pid 4242)" for messages."""
    return f"{label} (pid {ctx.pid(label)})" if ctx.has_process(label) else label


def exited(ctx: LabContext, label: str, code: int = 0) -> tuple[bool, str]:
    status = ctx.returncode(label)
    if status is None:
        return fact(False, f"{who(ctx, label)} is still running (want: {_ended(code)})")
    want = "" if status == code else f" (want: {_ended(code)})"
    return fact(status == code, f"{who(ctx, label)} {_ended(status)}{want}")


def _ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited {code}"


def running(ctx: LabContext, label: str) -> tuple[bool, str]:
    return fact(ctx.alive(label), f"{who(ctx, label)} is {'running' if ctx.alive(label) else 'not running'}")


def printed(ctx: LabContext, label: str, text: str) -> tuple[bool, str]:
    seen = text in ctx.output(label)
    return fact(seen, f"{label} printed {text!r}" if seen else f"{label} has not printed {text!r}")


def last_number(ctx: LabContext, label: str, pattern: str) -> int | None:
    """The number in the last output line of `label` matching `pattern` (with one (\\d+) group)."""
    found = re.findall(pattern, ctx.output(label))
    return int(found[-1]) if found else None
