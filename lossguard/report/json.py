"""``--format json``: an array of findings, the contract in docs/ARCHITECTURE.md (Contracts)."""

from __future__ import annotations

import json

from lossguard.findings import Report, finding_to_dict


def render(report: Report) -> str:
    return json.dumps([finding_to_dict(f) for f in report.findings], indent=2, ensure_ascii=False) + "\n"
