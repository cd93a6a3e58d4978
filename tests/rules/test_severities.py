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


def test_a_summary_keeps_the_quotes_it_ends_with() -> None:
    assert DOCS["LG041"].summary.endswith("class_weight='auto'")


def test_the_regression_metric_fix_never_duplicates_a_metric_or_names_the_loss() -> None:
    """metrics=['mae', 'accuracy'] with loss 'mae' used to become 'mae', 'mae'."""
    from tests.conftest import check

    source = """
from sklearn.datasets import load_diabetes
from tensorflow import keras
X, y = load_diabetes(return_X_y=True)
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mae", metrics=["accuracy"])
model.fit(X, y)
"""
    (found,) = check(source)
    assert found.code == "LG021" and found.autofix is not None
    assert [e.content.strip("'\"") for e in found.autofix.edits] == ["mse"]
    both = source.replace('metrics=["accuracy"]', 'metrics=["mse", "accuracy"]')
    (found,) = check(both)
    assert found.autofix is None  # no metric left that is neither the loss nor already there
