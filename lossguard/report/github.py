"""``--format github``: workflow commands that GitHub shows as pull-request annotations."""

from __future__ import annotations

from lossguard.findings import Finding, Report, Severity
from lossguard.report.text import visible


def escape_data(value: str) -> str:
    """GitHub's escapes for line breaks; other control characters shown escaped, never raw."""
    return visible(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _fixable(finding: Finding, report: Report | None) -> str:
    """'(fixable)' only for a fix --fix would apply with this run's options (as --diff shows);
    an unsafe fix says it needs --unsafe-fixes."""
    if not finding.fixable:
        return ""
    applies = report.applicable(finding) if report is not None else finding.fix_applies(False)
    return " (fixable)" if applies else " (fixable with --unsafe-fixes)"


def annotation(finding: Finding, report: Report | None = None) -> str:
    level = "error" if finding.severity is Severity.ERROR else "warning"
    loc = finding.location
    props = [f"file={escape_property(loc.path)}"]
    message = finding.message
    if finding.cell is not None:
        message = f"{finding.location.where()}: {message}"
    else:
        props += [f"line={loc.line}", f"col={loc.column}"]
        if loc.end_line:
            props.append(f"endLine={loc.end_line}")
        if loc.end_column and loc.end_line == loc.line:
            props.append(f"endColumn={loc.end_column}")
    fixable = _fixable(finding, report)
    props.append(f"title={escape_property(f'{finding.code} {finding.name}{fixable}')}")
    if finding.fix:
        message += f"\nFix: {finding.fix}"
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(annotation(f, report) + "\n" for f in report.findings)


ANNOTATION_CAP = 10  # GitHub shows at most 10 error and 10 warning annotations of a step


def hidden_by_cap(report: Report) -> int:
    """How many annotations GitHub does not show (the rest are only in the job summary)."""
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    return max(0, errors - ANNOTATION_CAP) + max(0, warnings - ANNOTATION_CAP)


def _cell(value: str) -> str:
    """Table-safe Markdown: no line breaks, no column breaks, no HTML."""
    text = " ".join(value.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def job_summary(report: Report) -> str:
    """``$GITHUB_STEP_SUMMARY``: every finding, one Markdown table per file."""
    findings = report.findings
    out = ["## lossguard\n\n"]
    if not findings:
        files = f"{report.checked} file{'s' if report.checked != 1 else ''}"
        out.append(f"No problems found ({files} checked).\n")
        return "".join(out)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    out.append(
        f"{len(findings)} problem{'s' if len(findings) != 1 else ''} ({errors} error"
        f"{'s' if errors != 1 else ''}, {len(findings) - errors} warning"
        f"{'s' if len(findings) - errors != 1 else ''}) in {len({f.path for f in findings})} file(s).\n"
    )
    hidden = hidden_by_cap(report)
    if hidden:
        out.append(
            f"\n> [!NOTE]\n> GitHub shows {ANNOTATION_CAP} annotations of each kind per step: "
            f"{hidden} of these findings appear only here.\n"
        )
    by_file: dict[str, list[Finding]] = {}
    for found in findings:
        by_file.setdefault(found.path, []).append(found)
    for path, group in by_file.items():
        out.append(f"\n### `{_cell(path).replace('`', '')}`\n\n| Line | Code | Severity | Problem | Fix |\n")
        out.append("|---:|---|---|---|---|\n")
        for found in group:
            fixable = _fixable(found, report)
            out.append(
                f"| {_cell(found.location.where())} | {found.code} {found.name}{fixable} | "
                f"{found.severity.value} | {_cell(found.message)} | {_cell(found.fix or '')} |\n"
            )
    return "".join(out)
