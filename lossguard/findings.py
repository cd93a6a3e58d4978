"""A finding: one problem, where it is, and what to write instead; and a run's report.

A message is a sequence of parts: text, and the ``Location`` of every place it mentions. The
engine resolves and cell-maps those locations together with the finding's own, so a message
never holds a line number as text that a later step would have to rewrite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from lossguard.facts import Location, Source

Part = str | Location
Message = str | Location | Iterable["Message"] | None  # parts, nested as convenient


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def parts(*pieces: Message) -> tuple[Part, ...]:
    """Flatten message pieces: strings, locations, and nested sequences of them."""
    out: list[Part] = []
    for piece in pieces:
        if piece is None:
            out.append("an unknown line")
        elif isinstance(piece, str | Location):
            out.append(piece)
        else:
            out.extend(parts(*piece))
    return tuple(out)


def render(message: Iterable[Part], path: str | None = None) -> str:
    """The message's text, places named as seen from ``path`` (the finding's file)."""
    return "".join(p if isinstance(p, str) else p.where(path) for p in message)


@dataclass(frozen=True)
class Related:
    location: Location
    message: str


class Applicability(StrEnum):
    """As ruff: a safe fix keeps every correct program correct; an unsafe one changes a choice
    the author may have made on purpose; display-only is a suggestion in words."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class EditKind(StrEnum):
    REPLACE = "replace"  # the range becomes ``content``
    STRING = "string"  # the range must be a plain string literal; its text becomes ``content``, quotes kept
    LITERAL = "literal"  # the range must be a plain string literal; it becomes the code ``content``
    RENAME = "rename"  # the one occurrence of the name ``old`` in the range becomes ``content``
    KEYWORD = "keyword"  # the range must be a call without keyword ``old``; ``content`` is added to it


@dataclass(frozen=True)
class Edit:
    """One change to the source: rules describe it (``kind``), the engine makes it concrete
    (a REPLACE of exact text) once the file's text and positions are known."""

    location: Location
    content: str
    kind: EditKind = EditKind.REPLACE
    old: str | None = None


@dataclass(frozen=True)
class Autofix:
    applicability: Applicability
    message: str  # what the fix does, e.g. "monitor='val_accuracy'"
    edits: tuple[Edit, ...]

    def relocated(self, move: Any) -> Autofix:
        return replace(self, edits=tuple(replace(e, location=move(e.location)) for e in self.edits))


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    parts: tuple[Part, ...]
    location: Location
    related: tuple[Related, ...] = ()
    fix: str | None = None
    source: Source = Source.STATIC
    autofix: Autofix | None = None  # edits that make ``fix`` happen, when the facts allow exactly one

    @property
    def fixable(self) -> bool:
        return self.autofix is not None and self.autofix.applicability is not Applicability.DISPLAY_ONLY

    def fix_applies(self, unsafe: bool) -> bool:
        """--fix applies this finding's fix: a safe one, or an unsafe one with --unsafe-fixes."""
        if self.autofix is None:
            return False
        wanted = (Applicability.SAFE, Applicability.UNSAFE) if unsafe else (Applicability.SAFE,)
        return self.autofix.applicability in wanted

    @property
    def message(self) -> str:
        return render(self.parts, self.location.path)

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def cell(self) -> int | None:
        return self.location.cell

    @property
    def cell_line(self) -> int | None:
        return self.location.cell_line

    def relocated(self, move: Any) -> Finding:
        """The same finding with every location passed through ``move`` (resolve, cell-map)."""
        return replace(
            self,
            location=move(self.location),
            related=tuple(Related(move(r.location), r.message) for r in self.related),
            parts=tuple(move(p) if isinstance(p, Location) else p for p in self.parts),
            autofix=self.autofix.relocated(move) if self.autofix is not None else None,
        )

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.code)

    def dedupe_key(self) -> tuple[str, str, int, int]:
        return (self.code, self.location.path, self.location.line, self.location.column)


@dataclass
class FileResult:
    """The outcome of checking one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    skipped: bool = False  # the prefilter found nothing Keras-like
    error: str | None = None  # why the file could not be read or analysed (reported as LG903)
    unused_ignores: list[tuple[int, str]] = field(default_factory=list)
    internal_error: bool = False  # lossguard itself failed on the file (exit status 2)
    digest: str | None = None  # sha256 of the bytes that were checked (the cache's key)
    dependencies: dict[str, str] = field(default_factory=dict)  # project modules read → sha256
    notes: list[str] = field(default_factory=list)  # said on stderr (why the probe did not run, …)
    # The source lines the findings point at (path → line number → text), handed to reporters by
    # the engine from the text it checked: reporters never read files.
    lines: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class Report:
    results: list[FileResult] = field(default_factory=list)
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as applicable
    fixed: list[Finding] = field(default_factory=list)  # what --fix fixed (for --show-fixes)

    def applicable(self, finding: Finding) -> bool:
        """A fix --fix would apply with this run's options."""
        return finding.fix_applies(self.unsafe_fixes)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def line(self, path: str, number: int) -> str | None:
        """A source line a finding points at, as the engine read it (None: not known)."""
        for result in self.results:
            found = result.lines.get(path, {}).get(number)
            if found is not None:
                return found
        return None

    @property
    def checked(self) -> int:
        return sum(1 for r in self.results if r.error is None)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped)

    @property
    def unreadable(self) -> list[FileResult]:
        return [r for r in self.results if r.error is not None]

    @property
    def internal_errors(self) -> list[FileResult]:
        return [r for r in self.results if r.internal_error]


def _location_to_dict(location: Location) -> dict[str, Any]:
    data: dict[str, Any] = {"path": location.path, "line": location.line}
    if location.cell is not None:
        data.update(cell=location.cell, cell_line=location.cell_line)
    return data


def finding_to_dict(finding: Finding) -> dict[str, object]:
    """The JSON contract (docs/ARCHITECTURE.md, Contracts; lines and columns 1-based)."""
    loc = finding.location
    data: dict[str, object] = {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line or loc.line,
        "end_column": loc.end_column or loc.column,
        "source": finding.source.value,
        "related": [{**_location_to_dict(r.location), "message": r.message} for r in finding.related],
        "fix": _fix_to_dict(finding),
    }
    if loc.cell is not None:
        data["cell"] = loc.cell
        data["cell_line"] = loc.cell_line
    return data


def _fix_to_dict(finding: Finding) -> dict[str, Any] | None:
    """ruff's shape: applicability, message, edits (content, location, end_location)."""
    if finding.fix is None and finding.autofix is None:
        return None
    autofix = finding.autofix
    edits = [_edit_to_dict(edit) for edit in (autofix.edits if autofix else ())]
    return {
        "applicability": (autofix.applicability if autofix else Applicability.DISPLAY_ONLY).value,
        "message": finding.fix or (autofix.message if autofix else ""),
        "edits": edits,
    }


def _edit_to_dict(edit: Edit) -> dict[str, Any]:
    """Rows of the file; in a notebook, rows of the cell (as ruff), with the cell's number."""
    loc = edit.location
    start, end = {"row": loc.line, "column": loc.column}, {"row": loc.end_line, "column": loc.end_column}
    if loc.cell is not None and loc.cell_line is not None:
        start = {"row": loc.cell_line, "column": loc.column, "cell": loc.cell}
        end = {"row": loc.cell_line + loc.end_line - loc.line, "column": loc.end_column, "cell": loc.cell}
    return {"content": edit.content, "location": start, "end_location": end}


def _fix_from_dict(data: Any, path: str) -> tuple[str | None, Autofix | None]:
    if isinstance(data, str) or data is None:
        return data, None
    applicability = Applicability(data["applicability"])
    edits = tuple(
        Edit(
            Location(
                path,
                int(e["location"]["row"]),
                int(e["location"]["column"]),
                int(e["end_location"]["row"]),
                int(e["end_location"]["column"]),
                cell=e["location"].get("cell"),
                cell_line=e["location"]["row"] if "cell" in e["location"] else None,
            ),
            str(e["content"]),
        )
        for e in data.get("edits", [])
    )
    message = str(data.get("message", ""))
    if applicability is Applicability.DISPLAY_ONLY:
        return message or None, None
    return message or None, Autofix(applicability, message, edits)


def _location_from_dict(data: dict[str, Any], **extra: int) -> Location:
    return Location(
        data["path"], data["line"], cell=data.get("cell"), cell_line=data.get("cell_line"), **extra
    )


def finding_from_dict(data: dict[str, Any]) -> Finding:
    fix, autofix = _fix_from_dict(data.get("fix"), data["path"])
    return Finding(
        code=data["code"],
        name=data["name"],
        severity=Severity(data["severity"]),
        parts=(str(data["message"]),),
        location=_location_from_dict(
            data, column=data["column"], end_line=data["end_line"], end_column=data["end_column"]
        ),
        related=tuple(Related(_location_from_dict(r), r["message"]) for r in data.get("related", [])),
        fix=fix,
        source=Source(data.get("source", "static")),
        autofix=autofix,
    )


def result_to_dict(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "skipped": result.skipped,
        "findings": [finding_to_dict(f) for f in result.findings],
        "unused_ignores": [list(u) for u in result.unused_ignores],
        "lines": {path: {str(n): text for n, text in lines.items()} for path, lines in result.lines.items()},
    }


def result_from_dict(data: dict[str, Any]) -> FileResult:
    """A cached result; raises (KeyError, TypeError, ValueError) when the entry is malformed."""
    if not isinstance(data, dict) or not isinstance(data["findings"], list):
        raise TypeError("malformed cache entry")
    return FileResult(
        path=str(data["path"]),
        findings=[finding_from_dict(f) for f in data["findings"]],
        skipped=bool(data["skipped"]),
        unused_ignores=[(int(a), str(b)) for a, b in data.get("unused_ignores", [])],
        lines={
            str(path): {int(n): str(text) for n, text in lines.items()}
            for path, lines in data.get("lines", {}).items()
        },
    )
