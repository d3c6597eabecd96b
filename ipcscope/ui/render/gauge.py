"""Usage levels and text bars, shared by the overview (limits) and the detail pane (queue fill).

Colours follow glances' thresholds and come from the current theme ($success, $primary, $warning,
$error), looked up when rendering so every built-in theme works. Bars are Rich `Text` so they can sit
in table cells; eighth-blocks keep small usages visible without overstating them.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

#: (lowest fraction, level name, theme variable): first match wins
LEVELS: tuple[tuple[float, str, str], ...] = (
    (0.9, "critical", "error"),
    (0.7, "warning", "warning"),
    (0.5, "careful", "primary"),
    (0.0, "ok", "success"),
)

_FALLBACK = {"success": "#4EBF71", "primary": "#0178D4", "warning": "#FEA62B", "error": "#B93C5B",
             "foreground-muted": "#9A9A9A", "panel": "#242F38", "text-primary": "#57A5E2",
             "text-warning": "#FFC473", "text-error": "#D17E92"}
_EIGHTHS = " ▏▎▍▌▋▊▉"


def usage_level(fraction: float | None) -> tuple[str, str]:
    """(level name, theme variable) for a use fraction; None (unknown) counts as ok."""
    value = fraction or 0.0
    for lowest, name, variable in LEVELS:
        if value >= lowest:
            return name, variable
    return LEVELS[-1][1], LEVELS[-1][2]


def theme_color(variables: Mapping[str, str], name: str) -> str:
    """A theme variable as a Rich colour ("success" -> "#4ebf71"), translucent ones blended onto
    the background; a fixed fallback outside an app or for values like "auto 60%"."""
    try:
        color = Color.parse(variables[name])
        if color.a < 1:
            color = Color.parse(variables.get("background", "#000000")) + color
    except (KeyError, ColorParseError):
        return _FALLBACK.get(name, "default")
    return color.hex6


def bar(fraction: float | None, width: int, variables: Mapping[str, str]) -> Text:
    """A `width`-cell bar filled to `fraction`, coloured by its usage level; blank track if unknown."""
    track_style = Style(color=theme_color(variables, "panel"))
    if fraction is None:
        return Text("░" * width, style=track_style)
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[part] if part else "")
    color = theme_color(variables, usage_level(fraction)[1])
    text = Text()
    text.append(filled, style=Style(color=color))
    text.append("░" * (width - len(filled)), style=track_style)
    return text
