"""``--format github``: workflow commands that GitHub shows as pull-request annotations."""

from __future__ import annotations

from lossguard.findings import Finding, Report, Severity
from lossguard.report.text import visible


def escape_data(value: str) -> str:
    """GitHub's escapes for line breaks; other control characters shown escaped, never raw."""
    return visible(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
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
    fixable = " (fixable)" if finding.fixable else ""
    props.append(f"title={escape_property(f'{finding.code} {finding.name}{fixable}')}")
    if finding.fix:
        message += f"\nFix: {finding.fix}"
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(annotation(f) + "\n" for f in report.findings)
