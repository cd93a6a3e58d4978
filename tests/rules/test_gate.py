"""The prefilter (``lossguard/rules/gate.py``) on its own: the literals it derives from the rules'
regexes, the branches it splits them into, and the verdict of each rule's gate on that rule's
own doc example.

A rule's gate is the only thing standing between its example and "no Keras training code": if
a needed word is too narrow, the example is skipped and the rule is silent. These tests fail
then, each naming the rule.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lossguard.rules import RULES
from lossguard.rules.docs import load_docs
from lossguard.rules.gate import LIBRARY, _branches, _lower, gate_for, required_literals
from tests.conftest import FIXTURES, codes

DOCS = load_docs()


def doc_test_kind(code: str) -> str:
    """How the rule's doc example is tested: statically, or through the probe (``test: runtime``)."""
    marked = re.search(r"^test: (\w+)$", DOCS[code].path.read_text(), re.M)
    return marked[1] if marked else "static"


STATIC_RULES = [
    c
    for c, i in RULES.items()
    if i.needs is not None and not i.needs.runtime_only and doc_test_kind(c) == "static"
]
RUNTIME_RULES = [c for c, i in RULES.items() if i.needs is not None and doc_test_kind(c) == "runtime"]
EVERY_PATTERN = gate_for(frozenset(RULES)).sources


def example(code: str, heading: str = "Example") -> bytes:
    (source,) = DOCS[code].examples(heading)
    return source.encode()


def needed(code: str) -> list[str]:
    """Every regex the rule's gate requires: Keras named, one of its anchors, each word."""
    needs = RULES[code].needs
    assert needs is not None
    return [LIBRARY, "|".join(f"(?:{a})" for a in needs.anchors), *needs.words]


def blank(data: bytes, pattern: str) -> bytes:
    """``data`` with every match of ``pattern`` (case-blind) overwritten by spaces."""
    regex = re.compile(_lower(pattern).encode())
    lowered = bytearray(data.lower())
    while (match := regex.search(lowered)) is not None and match.end() > match.start():
        lowered[match.start() : match.end()] = b" " * (match.end() - match.start())
    return bytes(lowered)


def reference(codes: frozenset[str], data: bytes) -> bool:
    """What the gate means, in plain regexes: Keras named, and some enabled static rule has an
    anchor and all of its words."""
    lowered = data.lower()

    def has(pattern: str) -> bool:
        return re.search(_lower(pattern).encode(), lowered) is not None

    rules = [RULES[c].needs for c in codes if RULES[c].needs is not None]
    return has(LIBRARY) and any(
        any(has(a) for a in n.anchors) and all(has(w) for w in n.words)
        for n in rules
        if n is not None and not n.runtime_only
    )


# ----- one rule, its own example ------------------------------------------------------------


@pytest.mark.parametrize("code", STATIC_RULES)
def test_each_rule_gate_admits_its_own_bad_example(code: str) -> None:
    assert gate_for(frozenset({code})).static_candidate(example(code)), (
        f"{code}'s Needs skip its own doc example: a word or anchor is too narrow"
    )


@pytest.mark.parametrize("code", RUNTIME_RULES)
def test_each_runtime_rule_gate_lets_the_probe_run_its_example(code: str) -> None:
    gate = gate_for(frozenset({code}))
    assert gate.runtime_candidate(example(code))
    needs = RULES[code].needs
    if needs is not None and needs.runtime_only:
        assert not gate.static_candidate(example(code))  # only the probe gives it facts


@pytest.mark.parametrize("code", STATIC_RULES)
def test_each_needed_word_is_needed(code: str) -> None:
    """The gate requires every one of its patterns: with the matches of any one of them
    blanked out, the rule's own example is skipped."""
    gate = gate_for(frozenset({code}))
    for pattern in needed(code):
        assert not gate.static_candidate(blank(example(code), pattern)), (code, pattern)


def test_an_empty_selection_and_tool_codes_parse_nothing() -> None:
    keras_script = example("LG001")
    assert not gate_for(frozenset()).static_candidate(keras_script)
    assert not gate_for(frozenset({"LG902", "LG903"})).static_candidate(keras_script)
    assert gate_for(frozenset()).runtime is None
    assert not gate_for(frozenset({"LG040"})).runtime_candidate(keras_script)  # a module rule


def test_lg901_alone_still_runs_the_probe() -> None:
    """--select LG901 --probe: the probe runs on training scripts, to say when it fails."""
    gate = gate_for(frozenset({"LG901"}))
    assert gate.runtime_candidate(example("LG901"))
    assert not gate.static_candidate(example("LG901"))
    assert not gate.runtime_candidate(b"import keras\nmodel.compile(loss='mse')\n")  # no training call


def test_lg900_alone_still_parses_keras_training_files() -> None:
    """--select LG900 alone gives a syntax verdict on the files a rule would read."""
    gate = gate_for(frozenset({"LG900"}))
    assert gate.static_candidate(example("LG900"))
    assert not gate.static_candidate(b"import keras\nprint(keras.__version__)\n")
    assert not gate.static_candidate(b"model.fit(x, y)\n")  # Keras is never named


# ----- the fast path agrees with the regexes ----------------------------------------------


def _corpus() -> list[bytes]:
    texts = [example(code, heading) for code in DOCS for heading in ("Example", "Use instead")]
    texts += [p.read_bytes() for p in sorted(FIXTURES.glob("*.py"))]
    return texts


CORPUS = _corpus()
SELECTIONS = [frozenset(RULES), *(frozenset({code}) for code in STATIC_RULES)]


@pytest.mark.parametrize("codes", SELECTIONS, ids=lambda s: "all" if len(s) > 1 else next(iter(s)))
def test_gate_verdict_equals_the_plain_regex_verdict(codes: frozenset[str]) -> None:
    """The literal shortcuts (required and sufficient literals) never change a verdict, on the
    docs, the fixtures and the same texts with each needed pattern blanked out."""
    gate = gate_for(codes)
    texts = list(CORPUS)
    for code in codes & set(STATIC_RULES):
        texts += [blank(example(code), pattern) for pattern in needed(code)]
    for data in texts:
        assert gate.static_candidate(data) == reference(codes, data), data[:200]


@pytest.mark.parametrize("index", range(len(EVERY_PATTERN)), ids=lambda i: EVERY_PATTERN[i][:40])
def test_sufficient_literals_are_matches(index: int) -> None:
    """A branch taken as plain text is a match of the whole pattern wherever it occurs."""
    gate = gate_for(frozenset(RULES))
    for literal in gate.sufficient[index]:
        assert gate.pattern(index).search(b" " + literal + b" ") is not None, literal


@pytest.mark.parametrize("pattern", EVERY_PATTERN, ids=lambda p: p[:40])
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],  # no load dependence
)
@given(data=st.data())
def test_every_match_contains_a_required_literal(pattern: str, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(pattern, fullmatch=True)).lower()
    assume(re.fullmatch(pattern, text) is not None)  # lookbehinds are approximated by the strategy
    literals = required_literals(pattern)
    if literals is not None:
        assert any(literal.decode() in text for literal in literals), (text, literals)


# ----- the pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, branches",
    [
        ("softmax|applications", ["softmax", "applications"]),
        ("a(b|c)|d", ["a(b|c)", "d"]),
        ("[|x]|y", ["[|x]", "y"]),
        (r"a\|b|c", [r"a\|b", "c"]),
        (r"[\]|]z|w", [r"[\]|]z", "w"]),
        ("plain", ["plain"]),
    ],
)
def test_branches_split_at_top_level_bars_only(pattern: str, branches: list[str]) -> None:
    assert _branches(pattern) == branches


@pytest.mark.parametrize(
    "pattern, literals",
    [
        ("softmax|applications", (b"softmax", b"applications")),
        (r"(?<!\bre)\.compile\s*\(", (b".compile",)),
        (r"binary_?crossentropy|['\"]bce['\"]", (b"crossentropy", b"bce")),
        (r"\bmode\b", (b"mode",)),
        (r"len|\.samples|\.n\b", (b"len", b".samples", b".n")),
        (r"conv[123]d", (b"conv",)),
        (r"colou?r", (b"colo",)),
        (r"a+b", None),  # no run of two plain characters
        (r"x|\w+", None),  # one branch has no literal: nothing is required
    ],
)
def test_required_literals(pattern: str, literals: tuple[bytes, ...] | None) -> None:
    assert required_literals(pattern) == literals


def test_upper_case_escapes_are_refused() -> None:
    with pytest.raises(ValueError, match="case-blind"):
        _lower(r"\Sfoo")
    assert _lower(r"EarlyStopping\s") == r"earlystopping\s"


# ----- words found too narrow by the tests above (each rule alone) -------------------------

SKLEARN_LABELS = """
import numpy as np
from sklearn.datasets import make_blobs
from sklearn.preprocessing import OneHotEncoder
from tensorflow import keras

{labels}
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="{activation}")])
model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])
model.fit(x, y, epochs=10)
"""


@pytest.mark.parametrize(
    "code, labels, activation, loss",
    [
        ("LG010", "x, y = make_blobs(n_samples=90, centers=4)", "softmax", "sparse_categorical_crossentropy"),
        (
            "LG007",
            "x = np.ones((9, 2))\ny = OneHotEncoder(sparse_output=False).fit_transform(np.c_[[0, 1, 2] * 3])",
            "sigmoid",
            "binary_crossentropy",
        ),
    ],
)
def test_labels_from_scikit_learn_pass_their_rules_gate(code, labels, activation, loss) -> None:
    source = SKLEARN_LABELS.format(labels=labels, activation=activation, loss=loss)
    assert codes(source, select=[code]) == [code]
