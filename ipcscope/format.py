"""Formatting shared by the CLI and the UI: sizes, times, durations, modes. No I/O, no clocks.

Every function that speaks of "now" takes it as a parameter, so snapshots and tests are
deterministic.
"""

from __future__ import annotations

import datetime as dt

_UNITS = ("B", "K", "M", "G", "T", "P", "E")


def human_size(n: int | None) -> str:
    """1536 -> "1.5K", 8192 -> "8K", 41 -> "41B" (lsipc's style: powers of 1024)."""
    if n is None:
        return "-"
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(value)}B"
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text}{unit}"
        value /= 1024
    raise AssertionError("unreachable")


def iso_time(epoch: float | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, or None for "not set"."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def short_time(epoch: float | None, now: float) -> str:
    """"02:46" today, "Nov21" before (like lsipc's short format), "-" when not set. UTC."""
    if epoch is None:
        return "-"
    when = dt.datetime.fromtimestamp(epoch, dt.UTC)
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    if when.date() == today:
        return when.strftime("%H:%M")
    return when.strftime("%b%d")


def duration(seconds: float) -> str:
    """4 min 12 s -> "4m 12s"; 3 h -> "3h 0m"; 2 days -> "2d 0h"."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def relative_time(epoch: float | None, now: float) -> str:
    """"3m 12s ago", "in 5s", or "never"."""
    if epoch is None:
        return "never"
    delta = now - epoch
    if delta >= 0:
        return f"{duration(delta)} ago"
    return f"in {duration(-delta)}"


def absolute_and_relative(epoch: float | None, now: float) -> str:
    """"2026-11-22 02:46:35 UTC (3m 12s ago)" or "not set"."""
    if epoch is None:
        return "not set"
    when = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{when} ({relative_time(epoch, now)})"


def mode_string(mode: int) -> str:
    """0o640 -> "rw-r-----" (lsipc without -P)."""
    bits = "rwxrwxrwx"
    return "".join(bits[i] if mode & (0o400 >> i) else "-" for i in range(9))


def percent(fraction: float | None) -> str:
    if fraction is None:
        return "-"
    return f"{fraction * 100:.1f}%"
