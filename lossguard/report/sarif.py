"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning.

Every rule from ``rules/`` goes into the tool driver; each result has a relative artifact URI,
a region, and a ``partialFingerprints`` entry built from the rule, the file and the flagged
source line's text (not its number), so a finding keeps its identity across unrelated edits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lossguard import __version__
from lossguard.findings import Autofix, Finding, Report, Severity
from lossguard.rules.docs import load_docs

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/lossguard/lossguard"


def _level(severity: Severity | str) -> str:
    return "error" if str(severity) == "error" else "warning"


def _rules() -> list[dict[str, Any]]:
    out = []
    for code, doc in sorted(load_docs().items()):
        what = doc.sections.get("What it does", "").strip() or doc.summary
        out.append(
            {
                "id": code,
                "name": doc.name,
                "shortDescription": {"text": doc.summary},
                "fullDescription": {"text": what},
                "defaultConfiguration": {"level": _level(doc.severity)},
                "properties": {"tags": ["keras", "correctness"]},
                "help": {"text": doc.body, "markdown": doc.body},
                "helpUri": f"{INFORMATION_URI}/blob/main/rules/{doc.path.name}",
            }
        )
    return out


def _uri(path: str) -> str:
    """A URI reference: relative paths percent-encoded (``my dir/#1.py`` → ``my%20dir/%231.py``)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri()
    return quote(candidate.as_posix())


def _result(finding: Finding, index: dict[str, int], report: Report, seen: dict[str, int]) -> dict[str, Any]:
    loc = finding.location
    region: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    if loc.end_line:
        region["endLine"] = max(loc.end_line, region["startLine"])
    if loc.end_column and loc.end_line:
        region["endColumn"] = max(loc.end_column, 1)
    basis = f"{finding.code}|{_uri(loc.path)}|{(report.line(loc.path, loc.line) or '').strip()}"
    occurrence = seen.get(basis, 0)
    seen[basis] = occurrence + 1
    fingerprint = hashlib.sha256(f"{basis}|{occurrence}".encode()).hexdigest()
    message = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
    if finding.cell is not None:
        message = f"{loc.where()}: {message}"
        region = {"startLine": 1}  # lines of the .ipynb JSON mean nothing; the cell is in the message
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _level(finding.severity),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"lossguard/v1": fingerprint},
        "properties": {"source": finding.source.value},
    }
    if finding.cell is not None:
        result["properties"].update(cell=finding.cell, cell_line=finding.cell_line)
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(r.location.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(r.location.line, 1)},
                },
                "message": {"text": r.message},
            }
            for number, r in enumerate(finding.related)
        ]
    if finding.fixable and finding.cell is None and finding.autofix is not None:
        # A notebook's regions would be lines of its JSON: its fixes are applied with --fix only.
        result["fixes"] = [_fix(finding.autofix, loc.path)]
    return result


def _fix(autofix: Autofix, path: str) -> dict[str, Any]:
    """SARIF's fix: one artifactChange of replacements (columns 1-based, end exclusive)."""
    return {
        "description": {"text": f"{autofix.message} ({autofix.applicability.value} fix)"},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": edit.location.line,
                            "startColumn": edit.location.column,
                            "endLine": edit.location.end_line,
                            "endColumn": edit.location.end_column,
                        },
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in autofix.edits
                ],
            }
        ],
    }


def _invocation(report: Report) -> dict[str, Any]:
    """Files lossguard did not read are tool notifications too, and the run did not succeed."""
    notes = [
        {
            "level": "error",
            "message": {"text": f"{r.path}: not checked: {r.error}"},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": _uri(r.path), "uriBaseId": "%SRCROOT%"}}}
            ],
            "descriptor": {"id": "LG903"},
        }
        for r in report.unreadable
    ]
    return {"executionSuccessful": not report.unreadable, "toolExecutionNotifications": notes}


def render(report: Report) -> str:
    rules = _rules()
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lossguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [_invocation(report)],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "results": [_result(f, index, report, seen) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
