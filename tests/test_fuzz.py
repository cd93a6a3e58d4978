"""Fuzzing the static path: whatever the input, lossguard answers with findings or LG903 —
never an exception, a hang or a crash — and its output is valid JSON/SARIF.

Bounded and derandomised so that CI is reproducible: grammar-generated Python (hypothesmith),
byte mutations of the fixtures and notebooks, and a few inputs through the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from tests.conftest import FIXTURES, run_cli

# hypothesmith compiles the programs it generates; CPython's warnings about them are noise here.
pytestmark = [pytest.mark.filterwarnings("ignore::SyntaxWarning"), pytest.mark.slow]
OPTIONS = CheckOptions(Settings(), parse_target("3"), use_cache=False)
SEEDS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".py", ".ipynb"))
FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


def assert_answers(path: str, data: bytes) -> None:
    result = check_source(path, data, OPTIONS)
    assert not result.internal_error, (result.error, data[:300])
    for finding in result.findings:
        assert finding.location.line >= 1 and finding.message


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_python(source: str) -> None:
    assert_answers("gen.py", ("import keras\nmodel.compile(loss='bce')\n" + source).encode())


mutation = st.tuples(
    st.integers(0, 10**9), st.integers(0, 40), st.binary(max_size=12), st.sampled_from(SEEDS)
)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_fixtures_and_notebooks(edits: list) -> None:
    seed = edits[0][3]
    data = bytearray(seed.read_bytes())
    for at, drop, insert, _ in edits:
        position = at % (len(data) + 1)
        data[position : position + drop] = insert
    assert_answers(seed.name, bytes(data))


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from(SEEDS),
    st.integers(0, 10**9),
    st.binary(min_size=1, max_size=8),
    st.sampled_from(["json", "sarif"]),
)
def test_cli_output_is_always_valid(tmp_path_factory, seed: Path, at: int, insert: bytes, fmt: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    data = bytearray(seed.read_bytes())
    position = at % (len(data) + 1)
    data[position:position] = insert
    (folder / seed.name).write_bytes(bytes(data))
    result = run_cli("check", str(folder), "--no-cache", "-f", fmt)
    assert result.returncode in (0, 1, 2)
    assert "Traceback" not in result.stdout + result.stderr
    json.loads(result.stdout)


_CHAINS = st.tuples(
    st.sampled_from([" and ", " or ", " + ", " ", " if x else "]),
    st.integers(1, 9_000),
    st.booleans(),
)


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(_CHAINS)
def test_long_chains_answer_in_process(chain: tuple[str, int, bool]) -> None:
    """What libcst nests deeper than CPython (issue 22): findings, LG903 or LG900, never a
    segfault (this runs in the test's own process: a crash fails the whole run)."""
    joiner, terms, first = chain
    term = '"s"' if joiner == " " else "x"
    expression = "(" + joiner.join([term] * terms) + ")"
    body = f"flag = {expression}\n"
    script = f"import keras\n{body if first else ''}model.compile(loss='bce')\n{'' if first else body}"
    assert_answers("chain.py", script.encode())


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(st.integers(2, 6), st.integers(2, 6), st.booleans())
def test_budget_exhausting_programs_are_never_clean(depth: int, calls: int, constant: bool) -> None:
    """Helpers nested ``depth`` deep calling each other ``calls`` times: analysed, or LG903."""
    argument = "3" if constant else "keras.layers.Dense(8)(x)"
    lines = ["import keras", "def h0(x):", "    return x"]
    for level in range(1, depth + 1):
        lines += [f"def h{level}(x):"] + [f"    a{i} = h{level - 1}({argument})" for i in range(calls)]
        lines += ["    b = 1", "    c = b", "    return x"]
    lines += [
        "inputs = keras.Input((4,))",
        f"x = h{depth}(inputs)",
        "model = keras.Model(inputs, keras.layers.Dense(10, activation='softmax')(x))",
        "model.compile(optimizer='adam', loss='binary_crossentropy')",
    ]
    result = check_source("helpers.py", "\n".join(lines).encode(), OPTIONS)
    assert not result.internal_error
    assert {f.code for f in result.findings} & {"LG001", "LG903"}
