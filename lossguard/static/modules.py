"""Modules of the project a script imports (``from model import build_model``).

The engine finds them (``lossguard/pipeline/project.py``: I/O stays at the edge) and hands the evaluator
a ``Loader``; the evaluator runs each module once, under its own name (so its ``if __name__ ==
"__main__":`` block stays out) and with its own globals, and a function or class it defines
keeps its origin: nodes it creates are placed in its file, and its body sees its module's
globals, as Python does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lossguard.static.parsing import ParsedModule
from lossguard.static.values import Value

# (importing file, module name as written, number of leading dots) → (path, text), or None when
# the module is not a file of the project.
Loader = Callable[[str, str, int], tuple[str, str] | None]

MAX_IMPORT_DEPTH = 3  # a script → its model module → that module's layers module


@dataclass
class Origin:
    """One module the evaluator runs: the checked file (origin 0) or a project module."""

    parsed: ParsedModule
    globals: dict[str, Value]

    @property
    def path(self) -> str:
        return self.parsed.path
