"""What a lab is: a named sequence of steps, each with text, C code, an action and an expectation.

A lab is data. `LabSession` runs it: entering a step runs its `action` (start or signal worker
processes, create objects), and `expect` says whether the kernel now shows what the step's text
promises. Both get the session's `LabContext` (ids, pids, outputs); `expect` also gets an
`Observation` (probe snapshot + process scan + doctor findings) so it judges real kernel state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ipcscope.model import AnyKind

if TYPE_CHECKING:
    from ipcscope.labs.context import LabContext
    from ipcscope.labs.observe import Observation


class Check(NamedTuple):
    """The verdict of a step's expectation: whether the kernel agrees, and what was seen."""

    ok: bool
    explanation: str


Action = Callable[["LabContext"], None]
Expectation = Callable[["LabContext", "Observation"], Check]


@dataclass(frozen=True)
class Step:
    """One step of a lab.

    `text` says what to look at and why; `c_code` is what the lab's processes do in this step,
    written as C source lines, so students can compare with their own programs. `focus` names the
    lab object (by label) the live tables should select while the step is shown.
    """

    title: str
    text: str
    c_code: str = ""
    action: Action | None = None
    expect: Expectation | None = None
    focus: str | None = None


@dataclass(frozen=True)
class Lab:
    """A teaching scenario. `kinds` are the object or channel kinds it uses (the views worth
    showing; a channel kind also makes its observations scan those channels only)."""

    name: str
    title: str
    goal: str
    steps: tuple[Step, ...]
    kinds: tuple[AnyKind, ...] = ()

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError(f"lab {self.name!r} has no steps")
