"""Text output: one line per finding (``path:line:col: CODE [name] message. Fix: …``), a summary.

Lines are built once as styled segments. On a terminal (or with ``FORCE_COLOR``) rich prints
them in colour and honours ``NO_COLOR``; piped output (pre-commit, CI logs) is written plain,
without importing rich at all. ``--show-source`` adds the flagged code, related lines and fix.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import IO, Any

from lossguard.facts import Source
from lossguard.findings import Finding, Report, Severity

Segment = tuple[str, str | None]  # (text, rich style or None)

_SOURCE_NOTE = {
    Source.STATIC: "",
    Source.RUNTIME: " (seen by the probe)",
    Source.BOTH: " (confirmed by the probe)",
}


def wants_colour(stream: IO[str]) -> bool:
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


# C0 and C1 controls but tab, DEL, line and paragraph separators, bidirectional overrides and
# isolates ("Trojan Source"): what could move the cursor, colour the terminal or start a line.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def visible(text: str) -> str:
    """Text with its control characters escaped (``\\n``, ``\\x1b``, ``\\u202e``), as ruff and
    git print odd file names: a path or a source line cannot forge a finding line."""
    if text.isprintable() or not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group()) or _code(m.group()), text)


def _code(char: str) -> str:
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


class Writer:
    """Prints segment lines plainly, or through rich when colour is wanted."""

    def __init__(self, stream: IO[str], colour: bool) -> None:
        self.stream = stream
        self.console: Any = None
        if colour:
            from rich.console import Console

            self.console = Console(file=stream, soft_wrap=True, highlight=False)

    def line(self, *segments: Segment) -> None:
        """One line of output; whatever the segments hold, it stays one line."""
        segments = tuple((visible(text), style) for text, style in segments)
        if self.console is None:
            self.stream.write("".join(text for text, _ in segments) + "\n")
            return
        from rich.text import Text

        self.console.print(Text.assemble(*[(text, style or "") for text, style in segments]))


def position(finding: Finding) -> str:
    loc = finding.location
    if finding.cell is not None:
        return f"{loc.path}:cell {finding.cell}:line {finding.cell_line}:{loc.column}"
    return f"{loc.path}:{loc.line}:{loc.column}"


def _style(severity: Severity) -> str:
    return "bold red" if severity is Severity.ERROR else "bold yellow"


def render(out: Writer, report: Report, *, show_source: bool, statistics: bool, quiet: bool) -> None:
    for finding in [] if statistics else report.findings:
        segments: list[Segment] = [
            (position(finding), "bold"),
            (": ", None),
            (finding.code, _style(finding.severity)),
            (" [*]" if report.applicable(finding) else "", "cyan"),
            (f" [{finding.name}]", "dim"),
            (f" {finding.message}", None),
            (_SOURCE_NOTE[finding.source], "dim"),
            (".", None),
        ]
        if finding.fix and not show_source:
            segments += [(" Fix:", "cyan"), (f" {finding.fix}", None)]
        out.line(*segments)
        if show_source:
            _show_source(out, report, finding)
    if statistics and report.findings:  # --statistics: the table instead of the findings
        counts = Counter((f.code, f.name) for f in report.findings)
        for (code, name), count in sorted(counts.items()):
            out.line((f"{count:>5}  {code}  {name}", None))
    if not quiet and not statistics:
        out.line((summary(report), None))
        fixable = fix_summary(report)
        if fixable:
            out.line((fixable, None))


def _show_source(out: Writer, report: Report, finding: Finding) -> None:
    loc = finding.location
    text = report.line(loc.path, loc.line)
    if text is not None:
        gutter = f"{loc.line:>5} | "
        out.line((gutter, "dim"), (text, None))
        single = loc.end_line == loc.line
        width = max(1, (loc.end_column - loc.column) if single else len(text) - loc.column + 1)
        out.line((" " * (len(gutter) + loc.column - 1), None), ("^" * width, _style(finding.severity)))
    for related in finding.related:
        line = report.line(related.location.path, related.location.line)
        if line is not None:
            out.line(
                (f"{related.location.line:>5} | ", "dim"), (line, None), (f"  ← {related.message}", "dim")
            )
    if finding.fix:
        out.line(("  fix: ", "cyan"), (finding.fix, None))
    out.line(("", None))


def fix_summary(report: Report) -> str | None:
    """'[*] N fixable with --fix (M more with --unsafe-fixes).', as ruff says it."""
    now = sum(1 for f in report.findings if report.applicable(f))
    hidden = sum(1 for f in report.findings if f.fixable and not report.applicable(f))
    if not now and not hidden:
        return None
    more = f" ({hidden} more with --unsafe-fixes)" if hidden else ""
    if not now:
        return f"No fixes available{more}."
    return f"[*] {now} fixable with --fix{more}."


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
        files += f", {len(report.unreadable)} not checked (LG903)"
    if not findings:
        return f"No problems found ({files})."
    with_findings = len({f.path for f in findings})
    return (
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
        f"({errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}) "
        f"in {with_findings} file{'s' if with_findings != 1 else ''} ({files})."
    )
