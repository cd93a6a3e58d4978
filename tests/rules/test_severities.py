"""One severity story per code: what a finding carries is what its rule page, `lossguard rules`
and SARIF's rule list declare (the default, and ``severity-also`` where a page says when)."""

from __future__ import annotations

import pytest

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions
from lossguard.pipeline.settings import Settings
from lossguard.rules.docs import load_docs
from tests.conftest import FIXTURES, checked

DOCS = load_docs()
SCRIPTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".py", ".ipynb"))
EXAMPLES = [(code, n, text) for code, doc in DOCS.items() for n, text in enumerate(doc.examples("Example"))]


def _declared(code: str) -> tuple[str, ...]:
    return DOCS[code].severities


def _severities(path: str, data: bytes) -> set[tuple[str, str]]:
    options = CheckOptions(Settings(), parse_target("3"), use_cache=False)
    return {(f.code, str(f.severity)) for f in checked(path, data, options).findings}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_fixture_findings_carry_a_declared_severity(script) -> None:
    for code, severity in _severities(f"fixtures/{script.name}", script.read_bytes()):
        assert severity in _declared(code), (code, severity, _declared(code))


@pytest.mark.parametrize("code, number, text", EXAMPLES, ids=lambda v: str(v)[:12])
def test_doc_example_findings_carry_a_declared_severity(code, number, text) -> None:
    for found, severity in _severities("example.py", text.encode()):
        assert severity in _declared(found), (found, severity, _declared(found))


def test_rules_lists_every_declared_severity(cli) -> None:
    result = cli("rules", "--format", "json")
    import json

    listed = {row["code"]: row["severity"] for row in json.loads(result.stdout)}
    for code, doc in DOCS.items():
        if code in listed:
            assert listed[code] == "/".join(doc.severities)
