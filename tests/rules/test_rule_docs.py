"""The documentation is the test: every rule doc's Example yields exactly its code, and its
Use instead yields nothing (static rules here; runtime rules in tests/probe).

Each example runs with only its own code selected, as ruff runs each rule's fixture: a rule
whose ``Needs`` are too narrow for its own example is gated off and the test fails, instead of
passing on the strength of other rules' words."""

from __future__ import annotations

import re

import pytest

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from lossguard.rules import RULES
from lossguard.rules.docs import load_docs
from tests.conftest import ROOT, codes
from tests.consequences.names import NAMES

DOCS = load_docs()
# Runtime rules are tested through the probe (tests/probe), LG903 through the CLI (tests/cli).
STATIC_DOCS = [d for d in DOCS.values() if not re.search(r"^test: (runtime|cli)$", d.path.read_text(), re.M)]


def test_every_code_has_a_doc_and_the_readme_lists_it() -> None:
    assert set(DOCS) == set(RULES)
    readme = set(re.findall(r"^\| (LG\d{3}) \| ([a-z-]+) \|", (ROOT / "README.md").read_text(), re.MULTILINE))
    assert readme == {(code, info.name) for code, info in RULES.items()}


def test_every_rule_has_a_function_and_every_tool_code_says_so() -> None:
    for code, info in RULES.items():
        assert (info.func is None) == (DOCS[code].kind == "tool"), code


@pytest.mark.parametrize("doc", DOCS.values(), ids=lambda d: d.code)
def test_doc_is_complete(doc) -> None:
    assert doc.path.name == f"{doc.code}-{doc.name}.md"
    assert doc.severity in ("error", "warning")
    for heading in ("What it does", "Why is this a problem?", "Example", "Use instead", "References"):
        assert heading in doc.sections, f"{doc.code}: missing section {heading!r}"
    assert len(doc.examples("Example")) == 1 and len(doc.examples("Use instead")) == 1
    front = doc.path.read_text().split("---")[1]
    assert re.search(r"^since: \d+\.\d+\.\d+$", front, re.M), f"{doc.code}: no 'since: X.Y.Z'"


def alone(doc, **settings: object) -> CheckOptions:
    """Options with only ``doc``'s code selected (and the option its doc names, if any)."""
    extra = {"report_unused_ignores": True} if "report-unused-ignores" in doc.path.read_text() else {}
    return CheckOptions(
        Settings(select=[doc.code], **settings),  # type: ignore[arg-type]
        parse_target("3"),
        use_cache=False,
        **extra,
    )


@pytest.mark.parametrize("doc", STATIC_DOCS, ids=lambda d: d.code)
def test_example_yields_exactly_its_code_with_only_its_rule_selected(doc) -> None:
    (source,) = doc.examples("Example")
    found = [f.code for f in check_source("example.py", source.encode(), alone(doc)).findings]
    assert found == [doc.code]
    (fixed,) = doc.examples("Use instead")
    assert [f.code for f in check_source("fixed.py", fixed.encode(), alone(doc)).findings] == []


@pytest.mark.parametrize("doc", STATIC_DOCS, ids=lambda d: d.code)
def test_example_yields_exactly_its_code_with_every_rule_selected(doc) -> None:
    """The other rules stay silent on both examples too: an example shows one mistake."""
    options = alone(doc)
    options.settings.select = ["LG"]
    (source,) = doc.examples("Example")
    assert [f.code for f in check_source("example.py", source.encode(), options).findings] == [doc.code]
    (fixed,) = doc.examples("Use instead")
    assert [f.code for f in check_source("fixed.py", fixed.encode(), options).findings] == []


def test_runtime_docs_are_silent_statically() -> None:
    runtime = [d for d in DOCS.values() if "test: runtime" in d.path.read_text()]
    assert {d.code for d in runtime} == {"LG030", "LG031", "LG032", "LG901"}
    for doc in runtime:
        for heading in ("Example", "Use instead"):
            (source,) = doc.examples(heading)
            assert codes(source) == [], f"{doc.code} {heading}"


@pytest.mark.parametrize("doc", [d for d in DOCS.values() if d.kind != "tool"], ids=lambda d: d.code)
def test_every_rule_states_a_measured_consequence_with_a_harness_case(doc) -> None:
    """#13: the doc's Why says what Keras was measured to do, and tests/consequences has the
    pair that measures it (and asserts the claim)."""
    assert "**Measured**" in doc.sections["Why is this a problem?"], doc.code
    assert any(name.split("/")[0] == doc.code for name in NAMES) or (
        doc.code == "LG030" and "LG010" in NAMES  # labels beyond the units: the same pair
    ), doc.code


def test_no_scaffold_placeholder_is_left() -> None:
    """``scripts/new_rule.py`` marks every place a person must write; none may ship unwritten."""
    places = [
        *(ROOT / "lossguard").rglob("*.py"),
        *(ROOT / "rules").glob("*.md"),
        *(ROOT / "fixtures").iterdir(),
        *(ROOT / "tests" / "consequences").glob("*.py"),
        ROOT / "README.md",
    ]
    left = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in places
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if "TODO(new_rule)" in line
    ]
    assert left == [], "scaffolded and never written: " + ", ".join(left)
