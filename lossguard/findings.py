"""A finding: one problem, where it is, and what to write instead."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from lossguard.facts import Location, Source


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Related:
    location: Location
    message: str


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Related, ...] = ()
    fix: str | None = None
    source: Source = Source.STATIC
    cell: int | None = None  # notebooks: 1-based index among all cells
    cell_line: int | None = None

    @property
    def path(self) -> str:
        return self.location.path

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.code)

    def dedupe_key(self) -> tuple[str, str, int, int]:
        return (self.code, self.location.path, self.location.line, self.location.column)

    def with_source(self, source: Source) -> Finding:
        return replace(self, source=source)


@dataclass
class FileResult:
    """The outcome of checking one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    skipped: bool = False  # the prefilter found nothing Keras-like
    error: str | None = None  # a message for files that could not be read
    unused_ignores: list[tuple[int, str]] = field(default_factory=list)


def finding_to_dict(finding: Finding) -> dict[str, object]:
    """The JSON contract of DESIGN.md (lines and columns 1-based)."""
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
        "related": [
            {"path": r.location.path, "line": r.location.line, "message": r.message} for r in finding.related
        ],
        "fix": finding.fix,
    }
    if finding.cell is not None:
        data["cell"] = finding.cell
        data["cell_line"] = finding.cell_line
    return data


def finding_from_dict(data: dict[str, Any]) -> Finding:
    path = data["path"]
    return Finding(
        code=data["code"],
        name=data["name"],
        severity=Severity(data["severity"]),
        message=data["message"],
        location=Location(path, data["line"], data["column"], data["end_line"], data["end_column"]),
        related=tuple(Related(Location(r["path"], r["line"]), r["message"]) for r in data.get("related", [])),
        fix=data.get("fix"),
        source=Source(data.get("source", "static")),
        cell=data.get("cell"),
        cell_line=data.get("cell_line"),
    )


def result_to_dict(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "skipped": result.skipped,
        "findings": [finding_to_dict(f) for f in result.findings],
        "unused_ignores": [list(u) for u in result.unused_ignores],
    }


def result_from_dict(data: dict[str, Any]) -> FileResult:
    return FileResult(
        path=data["path"],
        findings=[finding_from_dict(f) for f in data["findings"]],
        skipped=bool(data["skipped"]),
        unused_ignores=[(int(a), str(b)) for a, b in data.get("unused_ignores", [])],
    )
