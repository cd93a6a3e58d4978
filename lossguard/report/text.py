"""Text output: one line per finding (``path:line:col: CODE [name] message. Fix: …``), a summary.

Colour only on a terminal (rich honours ``NO_COLOR`` and ``FORCE_COLOR``); ``--show-source``
adds the flagged code, the related lines and the fix.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from lossguard.engine import Report
from lossguard.facts import Source
from lossguard.findings import Finding, Severity
from lossguard.static.sources import SourceError, read_source

_SOURCE_NOTE = {
    Source.STATIC: "",
    Source.RUNTIME: " [dim](seen by the probe)[/]",
    Source.BOTH: " [dim](confirmed by the probe)[/]",
}


def position(finding: Finding) -> str:
    loc = finding.location
    if finding.cell is not None:
        return f"{loc.path}:cell {finding.cell}:line {finding.cell_line}:{loc.column}"
    return f"{loc.path}:{loc.line}:{loc.column}"


def _style(severity: Severity) -> str:
    return "bold red" if severity is Severity.ERROR else "bold yellow"


class _Source:
    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self.files:
            try:
                self.files[path] = read_source(path, Path(path).read_bytes()).text.split("\n")
            except (OSError, SourceError):
                self.files[path] = []
        return self.files[path]

    def line(self, path: str, number: int) -> str | None:
        lines = self.lines(path)
        return lines[number - 1] if 1 <= number <= len(lines) else None


def render(console: Console, report: Report, *, show_source: bool, statistics: bool, quiet: bool) -> None:
    source = _Source()
    for finding in report.findings:
        fix = f" [cyan]Fix:[/] {escape(finding.fix)}" if finding.fix and not show_source else ""
        console.print(
            f"[bold]{escape(position(finding))}[/]: [{_style(finding.severity)}]{finding.code}[/] "
            f"[dim]\\[{finding.name}][/] {escape(finding.message)}{_SOURCE_NOTE[finding.source]}.{fix}",
            soft_wrap=True,
            highlight=False,
        )
        if show_source:
            _show_source(console, source, finding)
    for result in report.unreadable:
        console.print(
            f"[bold]{escape(result.path)}[/]: [yellow]skipped[/]: {escape(result.error or '')}",
            soft_wrap=True,
            highlight=False,
        )
    if statistics and report.findings:
        _statistics(console, report)
    if not quiet:
        console.print(summary(report), highlight=False)


def _show_source(console: Console, source: _Source, finding: Finding) -> None:
    loc = finding.location
    text = source.line(loc.path, loc.line)
    if text is not None:
        gutter = f"{loc.line:>5} | "
        console.print(f"[dim]{gutter}[/]{escape(text)}", soft_wrap=True, highlight=False)
        width = max(
            1, (loc.end_column - loc.column) if loc.end_line == loc.line else len(text) - loc.column + 1
        )
        console.print(" " * (len(gutter) + loc.column - 1) + f"[{_style(finding.severity)}]{'^' * width}[/]")
    for related in finding.related:
        line = source.line(related.location.path, related.location.line)
        if line is not None:
            console.print(
                f"[dim]{related.location.line:>5} | [/]{escape(line)}  [dim]← {escape(related.message)}[/]",
                soft_wrap=True,
                highlight=False,
            )
    if finding.fix:
        console.print(f"  [cyan]fix:[/] {escape(finding.fix)}", soft_wrap=True, highlight=False)
    console.print()


def _statistics(console: Console, report: Report) -> None:
    counts = Counter((f.code, f.name) for f in report.findings)
    for (code, name), count in sorted(counts.items()):
        console.print(f"{count:>5}  {code}  {name}", highlight=False)


def summary(report: Report) -> str:
    findings = report.findings
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    checked = report.checked
    skipped = report.skipped
    files = f"{checked} file{'s' if checked != 1 else ''} checked"
    if skipped:
        files += f", {skipped} skipped by the prefilter (no Keras training code)"
    if report.unreadable:
        files += f", {len(report.unreadable)} unreadable"
    if not findings:
        return f"No problems found ({files})."
    with_findings = len({f.path for f in findings})
    return (
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
        f"({errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}) "
        f"in {with_findings} file{'s' if with_findings != 1 else ''} ({files})."
    )
