"""Textual is pinned exactly because two widgets use its internals; this says which, loudly.

ObjectTable applies a poll's difference through DataTable's private row index, cell data and
render-cache counter (the public API was 7 times slower at 5,000 rows), and SteadyFooter builds
on Footer's private FooterKey. Moving the pin means checking each internal below against the new
release, then changing the version in pyproject.toml.
"""

from __future__ import annotations

import importlib
import tomllib
from importlib.metadata import version
from pathlib import Path

from textual.widgets import DataTable, Footer

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

#: (what, where it is used) for every private Textual name ipcscope relies on
INTERNALS = (
    ("DataTable._row_locations (a textual._two_way_dict.TwoWayDict)", "ObjectTable._remove_rows"),
    ("DataTable._data", "ObjectTable._update_row, ObjectTable._remove_rows"),
    ("DataTable._updated_cells", "ObjectTable._remove_rows"),
    ("DataTable._update_count", "ObjectTable._sync, ObjectTable._remove_rows"),
    ("DataTable._require_update_dimensions", "ObjectTable._remove_rows"),
    ("textual.widgets._footer.FooterKey", "SteadyFooter.compose"),
    ("Footer._bindings_ready", "SteadyFooter._shown"),
)


def _pinned() -> str:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (textual,) = [d for d in dependencies if d.startswith("textual")]
    assert textual.startswith("textual=="), f"textual must be pinned exactly, not {textual!r}"
    return textual.removeprefix("textual==")


def _internals_text() -> str:
    return "\n".join(f"  {what}  (used by {where})" for what, where in INTERNALS)


def test_the_installed_textual_is_the_pinned_one() -> None:
    installed, pinned = version("textual"), _pinned()
    assert installed == pinned, (
        f"textual {installed} is installed but ipcscope is pinned to {pinned}. These internals "
        f"must be checked against {installed} before the pin moves:\n{_internals_text()}")


def test_the_internals_are_there() -> None:
    table = DataTable()
    missing = [name for name in ("_row_locations", "_data", "_updated_cells", "_update_count",
                                 "_require_update_dimensions") if not hasattr(table, name)]
    from textual._two_way_dict import TwoWayDict

    if not isinstance(getattr(table, "_row_locations", None), TwoWayDict):
        missing.append("DataTable._row_locations as a TwoWayDict")
    footer_module = importlib.import_module("textual.widgets._footer")
    if not hasattr(footer_module, "FooterKey"):
        missing.append("textual.widgets._footer.FooterKey")
    if not hasattr(Footer(), "_bindings_ready"):
        missing.append("Footer._bindings_ready")
    assert not missing, f"Textual internals gone: {missing}\nEvery internal in use:\n{_internals_text()}"
