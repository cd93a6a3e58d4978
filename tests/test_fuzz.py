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
