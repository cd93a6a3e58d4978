"""Fuzzing the placing of findings: the fixtures that have findings, rewritten in ways that keep
their meaning (statements joined by ``;``, bodies inside ``with``/``try``, decorators, extra
comprehensions and class bodies, the script split into notebook cells), must give the same
codes, each placed on a real line — never an internal error (a ``;`` line once crashed every
file with a finding to place).
"""

from __future__ import annotations

import ast
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.filterwarnings("ignore::SyntaxWarning"), pytest.mark.slow]
OPTIONS = CheckOptions(Settings(follow_imports=False), parse_target("3"), use_cache=False)


def _findings(path: str, data: bytes) -> list:
    result = check_source(path, data, OPTIONS)
    assert not result.internal_error and result.error is None, (result.error, data[:400])
    return result.findings


def _codes(path: str, data: bytes) -> Counter[str]:
    found = _findings(path, data)
    for finding in found:
        assert finding.location.line >= 1, finding
    return Counter(f.code for f in found)


BUGGY = sorted(
    p for p in FIXTURES.glob("bug_*.py") if _codes(p.name, p.read_bytes()) and "project_module" not in p.name
)


def _top_level(text: str) -> list[ast.stmt]:
    return ast.parse(text).body


def join_with_semicolons(text: str, every: int) -> str:
    """Consecutive one-line simple statements joined on one line, ``a = 1; b = 2``."""
    lines = text.split("\n")
    simple = [
        s
        for s in _top_level(text)
        if s.lineno == s.end_lineno
        and not isinstance(
            s, ast.FunctionDef | ast.ClassDef | ast.If | ast.For | ast.While | ast.With | ast.Try
        )
        and not lines[s.lineno - 1].rstrip().endswith(("\\", ":"))
        and "#" not in lines[s.lineno - 1]
    ]
    joined = 0
    for first, second in itertools.pairwise(simple):
        if second.lineno != first.lineno + 1 or (first.lineno + joined) % every:
            continue
        if lines[first.lineno - 1] == "" or lines[second.lineno - 1].startswith((" ", "\t")):
            continue
        if lines[first.lineno - 1].startswith((" ", "\t")):
            continue
        lines[first.lineno - 1] = lines[first.lineno - 1].rstrip() + "; " + lines[second.lineno - 1].strip()
        lines[second.lineno - 1] = ""  # the line stays, empty: later statements keep their lines
        joined += 1
    return "\n".join(lines)


def _imports_end(text: str) -> int:
    """The line after the leading imports (and docstring)."""
    end = 0
    for stmt in _top_level(text):
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            end = stmt.end_lineno or stmt.lineno
        else:
            break
    return end


def wrap_body(text: str, header: str, footer: str = "") -> str:
    """Everything after the imports inside a compound statement (``try:``, ``with …:``)."""
    lines = text.split("\n")
    cut = _imports_end(text)
    head, body = lines[:cut], lines[cut:]
    indented = ["    " + line if line.strip() else line for line in body]
    if not any(line.strip() for line in body):
        return text
    return "\n".join([*head, header, *indented, *([footer] if footer else [])])


def add_noise(text: str) -> str:
    """A comprehension, a class body with ``;`` and a decorated helper between the imports and the rest."""
    lines = text.split("\n")
    cut = _imports_end(text)
    noise = [
        "import functools",
        "_squares = [i * i for i in range(3)]; _pairs = {k: v for k, v in zip('ab', 'cd')}",
        "class _Holder:",
        "    alpha = 1; beta = [j for j in range(2)]",
        "@functools.lru_cache(maxsize=None)",
        "def _helper(n):",
        "    return n; ",
    ]
    return "\n".join([*lines[:cut], *noise, *lines[cut:]])


def decorate_functions(text: str) -> str:
    """Every top-level function gets a decorator that returns it unchanged."""
    lines = text.split("\n")
    functions = [s for s in _top_level(text) if isinstance(s, ast.FunctionDef) and not s.decorator_list]
    for stmt in reversed(functions):
        lines.insert(stmt.lineno - 1, "@(lambda f: f)")
    return "\n".join(lines)


def as_notebook(text: str, magics: bool) -> bytes:
    """The script as notebook cells, cut between top-level statements."""
    lines = text.split("\n")
    starts = sorted({s.lineno - len(getattr(s, "decorator_list", [])) for s in _top_level(text)} | {1})
    cells = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        source = "\n".join(lines[start - 1 : end]).strip("\n")
        if not source:
            continue
        if magics and index % 3 == 0:
            source = "%matplotlib inline\n" + source
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source.splitlines(keepends=True),
            }
        )
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook).encode()


REWRITES = {
    "semicolons": lambda t: join_with_semicolons(t, 1),
    "some_semicolons": lambda t: join_with_semicolons(t, 2),
    "try": lambda t: wrap_body(t, "try:", "except ImportError:\n    raise"),
    "with": lambda t: wrap_body(t, "with open(__file__) as _handle:"),
    "noise": add_noise,
    "decorators": decorate_functions,
}


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
@given(
    st.sampled_from(BUGGY),
    st.lists(st.sampled_from(sorted(REWRITES)), min_size=1, max_size=4),
    st.sampled_from([None, "plain", "magics"]),
)
def test_rewritten_buggy_fixtures_keep_their_findings(fixture: Path, rewrites: list[str], notebook) -> None:
    original = fixture.read_text(encoding="utf-8")
    expected = _codes(fixture.name, original.encode())
    text = original
    for name in rewrites:
        text = REWRITES[name](text)
    compile(text, fixture.name, "exec")  # the rewrite itself must stay Python
    if notebook is None:
        got = _codes(fixture.name, text.encode())
    else:
        got = _codes(fixture.stem + ".ipynb", as_notebook(text, notebook == "magics"))
    assert got == expected, (rewrites, notebook, text)


def test_the_reported_semicolon_crash() -> None:
    """The reproducer of the report: a ``;`` line before the model and a finding to place."""
    source = (
        "from tensorflow import keras\n"
        "import numpy as np\n"
        'x = np.random.rand(32, 20).astype("float32"); y = np.eye(10)[np.random.randint(0, 10, 32)]\n'
        'model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="binary_crossentropy")\n'
        "model.fit(x, y)\n"
    )
    found = _findings("train.py", source.encode())
    assert [(f.code, f.location.line, f.location.column) for f in found] == [("LG001", 5, 38)]


def test_a_finding_on_a_semicolon_line_is_placed_on_it() -> None:
    source = (
        "from tensorflow import keras\n"
        'model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10, activation="softmax")]); '
        'model.compile(optimizer="adam", loss="binary_crossentropy")\n'
    )
    found = _findings("train.py", source.encode())
    assert [(f.code, f.location.line) for f in found] == [("LG001", 2)]
    assert source.split("\n")[1][found[0].location.column - 1 :].startswith('"binary_crossentropy"')
