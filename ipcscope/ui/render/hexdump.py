"""A hex/ASCII dump as Rich text, with the bytes that changed since the last look highlighted.

Pure functions (no Textual, no I/O) so the viewer's rendering is tested on bytes alone:

    changed = changed_offsets(before, before_start, now, now_start)
    text = hexdump(now, now_start, changed=changed)

Offsets are absolute (from the start of the segment), so a scrolled window still compares the
bytes it shares with the previous one.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

ROW = 16
OFFSET_STYLE = Style(dim=True)
CHANGED_STYLE = Style(reverse=True, bold=True)
UNPRINTABLE_STYLE = Style(dim=True)
ZERO_STYLE = Style(dim=True)


def changed_offsets(before: bytes, before_start: int, now: bytes, now_start: int) -> frozenset[int]:
    """Absolute offsets present in both windows whose byte differs."""
    start = max(before_start, now_start)
    end = min(before_start + len(before), now_start + len(now))
    return frozenset(offset for offset in range(start, end)
                     if before[offset - before_start] != now[offset - now_start])


def hexdump(data: bytes, start: int, *, changed: frozenset[int] = frozenset(), row: int = ROW) -> Text:
    """`00000010  68 65 6c 6c 6f 00 ...  |hello.|` lines; `start` is data[0]'s offset."""
    text = Text(no_wrap=True, overflow="crop")
    width = max(8, len(f"{start + len(data):x}"))
    for line_start in range(0, len(data), row):
        chunk = data[line_start:line_start + row]
        offset = start + line_start
        if line_start:
            text.append("\n")
        text.append(f"{offset:0{width}x}  ", OFFSET_STYLE)
        for index in range(row):
            if index == row // 2:
                text.append(" ")
            if index >= len(chunk):
                text.append("   ")
                continue
            byte = chunk[index]
            style = CHANGED_STYLE if offset + index in changed else (ZERO_STYLE if byte == 0 else None)
            text.append(f"{byte:02x}", style)
            text.append(" ")
        text.append(" |")
        for index, byte in enumerate(chunk):
            printable = 32 <= byte < 127
            style = CHANGED_STYLE if offset + index in changed else (None if printable else UNPRINTABLE_STYLE)
            text.append(chr(byte) if printable else ".", style)
        text.append("|")
    return text
