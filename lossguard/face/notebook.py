"""``%load_ext lossguard``: the IPython extension.

After each cell runs, the cells run so far (in order, cell *n* being ``In [n]``) are checked as
one notebook and the findings that are new are shown under the cell that introduced them, one
line each with the fix. ``%lossguard live on`` also reads the kernel's own objects when
``compile()`` or ``fit()`` is called (``lossguard/live/``): the real output layer, loss and metric
objects, label arrays — facts a static reading can only guess at (a model built from a JSON
config, labels loaded with ``np.load``). ``%lossguard live off`` restores Keras as it was.
A problem in lossguard itself is one line of output, never an exception in the user's cell.
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossguard.api import CheckError, Finding, check, public_finding
from lossguard.face.editor_checks import notebook_json

USAGE = "usage: %lossguard [live on|live off|status]"


@dataclass(frozen=True)
class Shown:
    """A finding as shown under a cell: where (``In [n], line l``) and what."""

    where: str
    finding: Finding

    def text(self) -> str:
        fix = f" Fix: {self.finding.fix.message}" if self.finding.fix is not None else ""
        live = " (live)" if self.finding.source == "runtime" else ""
        return f"{self.where}: {self.finding.code}{live} [{self.finding.name}] {self.finding.message}.{fix}"


@dataclass
class FindingsView:
    """What ``display()`` shows: plain text in a terminal, a compact list in a notebook."""

    shown: list[Shown]

    def __repr__(self) -> str:
        return "\n".join(f"lossguard: {s.text()}" for s in self.shown)

    def _repr_html_(self) -> str:
        rows = []
        for s in self.shown:
            colour = "#c62828" if s.finding.severity == "error" else "#b26a00"
            fix = (
                f"<br><span style='color:#2e7d32'>Fix: {html.escape(s.finding.fix.message)}</span>"
                if s.finding.fix is not None
                else ""
            )
            rows.append(
                f"<li><b style='color:{colour}'>{html.escape(s.finding.code)}</b> "
                f"<code>{html.escape(s.where)}</code> {html.escape(s.finding.message)}{fix}</li>"
            )
        return "<div><b>lossguard</b><ul style='margin:0'>" + "".join(rows) + "</ul></div>"


@dataclass
class NotebookSession:
    shell: Any
    cells: dict[int, str] = field(default_factory=dict)  # In [n] → its source
    seen: set[tuple[object, ...]] = field(default_factory=set)  # what was shown already
    live: Any = None  # lossguard.live.hooks.KerasHooks while live mode is on
    # id(model) → (the model, its Compiled record, the In [n] of the compile() call)
    compiled: dict[int, tuple[Any, Any, int | None]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The name the notebook is checked under: its file when Jupyter says it, else a name
        in the working folder (where the project's configuration is found)."""
        name = os.environ.get("JPY_SESSION_NAME") or "notebook.ipynb"
        return str(Path.cwd() / name) if not Path(name).is_absolute() else name

    # ----- after each cell ----------------------------------------------------------------

    def pre_run_cell(self, info: Any) -> None:
        if self.live is not None:
            self.live.install_imported()  # Keras imported by the previous cell

    def post_run_cell(self, result: Any) -> None:
        if getattr(result, "error_before_exec", None) is not None:
            return  # a syntax error: IPython has said so
        raw = getattr(getattr(result, "info", None), "raw_cell", None) or ""
        number = getattr(result, "execution_count", None) or (max(self.cells, default=0) + 1)
        if number in self.cells:  # run without history: no number of its own
            number = max(self.cells) + 1
        self.cells[number] = raw
        try:
            self.check_cells()
        except Exception as exc:  # lossguard must never break the user's notebook
            print(f"lossguard: could not check the notebook: {type(exc).__name__}: {exc}", file=sys.stderr)

    def check_cells(self) -> None:
        last = max(self.cells, default=0)
        sources = [self.cells.get(n, "") for n in range(1, last + 1)]
        try:
            report = check(notebook_json(sources).encode("utf-8", "surrogatepass"), filename=self.path)
        except CheckError as exc:
            print(f"lossguard: {exc}", file=sys.stderr)
            return
        found = []
        for f in report.findings:
            where = f"In [{f.cell}], line {f.cell_line}" if f.cell is not None else f"line {f.line}"
            found.append(((f.code, f.cell, f.cell_line or f.line), where, f))
        self.show(found)

    def show(self, found: Sequence[tuple[tuple[object, ...], str, Finding]]) -> None:
        """Display the findings whose key was not shown before: (code, In [n], line) for the
        cells' text, (code, the model, its compile() call) for live ones."""
        fresh = []
        for key, where, finding in found:
            if key in self.seen:
                continue
            self.seen.add(key)
            fresh.append(Shown(where, finding))
        if fresh:
            from IPython.display import display

            display(FindingsView(fresh))

    # ----- live mode ----------------------------------------------------------------------

    def live_on(self) -> str:
        if self.live is None:
            from lossguard.live.hooks import KerasHooks

            self.live = KerasHooks(self._on_compile, self._on_fit)
        self.live.install_imported()
        flavours = ", ".join(sorted(self.live.installed)) or "Keras (hooked at the next cell once imported)"
        return f"lossguard live mode on: compile() and fit() of {flavours} are read"

    def live_off(self) -> str:
        if self.live is not None:
            self.live.uninstall()
        self.live = None
        self.compiled.clear()
        return "lossguard live mode off: Keras is as it was"

    def _caller(self) -> tuple[int | None, int | None]:
        """``(n, line)`` of the innermost frame running code of cell ``In [n]`` (IPython's own
        map of cell file names, the one its tracebacks use)."""
        names = getattr(getattr(self.shell, "compile", None), "_filename_map", {}) or {}
        frame: Any = sys._getframe(1)
        while frame is not None:
            number = names.get(frame.f_code.co_filename)
            if number is not None:
                return int(number), frame.f_lineno
            frame = frame.f_back
        return None, None

    def _cell_text(self, number: int | None) -> str:
        if number is None:
            return ""
        if number in self.cells:
            return self.cells[number]
        history = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None) or []
        return history[number] if 0 <= number < len(history) else ""

    def _on_compile(self, model: Any, module: Any, prefix: str, args: Any, kwargs: Any) -> None:
        from lossguard.live.model_facts import Compiled

        number, line = self._caller()
        compiled = Compiled.from_call(prefix, tuple(args), dict(kwargs), line)
        self.compiled[id(model)] = (model, compiled, number)
        self._judge(number, model, module, prefix, compiled, None)

    def _on_fit(self, model: Any, module: Any, prefix: str, method: str, args: Any, kwargs: Any) -> None:
        number, line = self._caller()
        kept = self.compiled.get(id(model))
        compiled, where = (kept[1], kept[2]) if kept is not None and kept[0] is model else (None, None)
        elsewhere = f"In [{where}]" if where is not None and where != number else None
        fit = (method, tuple(args), dict(kwargs), line)
        self._judge(number, model, module, prefix, compiled, fit, elsewhere)

    def _judge(
        self,
        number: int | None,
        model: Any,
        module: Any,
        prefix: str,
        compiled: Any,
        fit: Any,
        compiled_in: str | None = None,
    ) -> None:
        try:
            from lossguard.face.config import load_settings
            from lossguard.keras.semantics import resolve_target
            from lossguard.live.model_facts import live_facts
            from lossguard.pipeline.engine import CheckOptions, check_facts
            from lossguard.rules import RULES

            text = self._cell_text(number)
            cell = f"In [{number}]" if number is not None else self.path  # how messages name places
            facts = live_facts(cell, text, model, module, prefix, compiled, fit, compiled_in)
            if facts is None:
                return
            settings = load_settings([self.path], None, set(RULES))
            options = CheckOptions(settings, resolve_target(None, settings.keras_version), use_cache=False)
            result = check_facts(cell, text, facts, options)
            shown = []
            for f in result.findings:
                if not settings.enabled(f.code, self.path):  # per-file-ignores name the notebook
                    continue
                key = ("live", f.code, id(model), id(compiled))
                where = (
                    f"{f.location.path}, line {f.location.line}" if number is not None else f.location.where()
                )
                shown.append((key, where, public_finding(f)))
            self.show(shown)
        except Exception as exc:  # never break the user's compile() or fit()
            print(f"lossguard live: could not read the model: {type(exc).__name__}: {exc}", file=sys.stderr)


_SESSIONS: dict[int, NotebookSession] = {}


def load(shell: Any) -> None:
    if id(shell) in _SESSIONS:
        return
    session = NotebookSession(shell)
    _SESSIONS[id(shell)] = session
    shell.events.register("pre_run_cell", session.pre_run_cell)
    shell.events.register("post_run_cell", session.post_run_cell)

    def lossguard_magic(line: str) -> None:
        words = line.split()
        if words == ["live", "on"]:
            print(session.live_on())
        elif words == ["live", "off"]:
            print(session.live_off())
        elif words in ([], ["status"]):
            mode = "on" if session.live is not None else "off"
            print(f"lossguard: {len(session.cells)} cell(s) checked, live mode {mode}")
        else:
            print(USAGE)

    shell.register_magic_function(lossguard_magic, magic_kind="line", magic_name="lossguard")


def unload(shell: Any) -> None:
    session = _SESSIONS.pop(id(shell), None)
    if session is None:
        return
    session.live_off()
    shell.events.unregister("pre_run_cell", session.pre_run_cell)
    shell.events.unregister("post_run_cell", session.post_run_cell)
    shell.magics_manager.magics["line"].pop("lossguard", None)
