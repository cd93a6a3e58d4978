"""Item 2 of issue 22: a file whose analysis stops early is never reported clean.

The evaluator follows a script for 40,000 statements; before, running out ended the analysis
silently and the file was "checked" with no finding. Now the findings made so far are kept and
LG903 says the rest was not analysed; a same-file helper called again with the same constant
arguments is evaluated once, so nested pure helpers cost their size, not its power.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY, codes


def nested_helpers(argument: str) -> str:
    """Helpers nested 6 deep, each calling the one below 5 times (5**6 calls at the bottom:
    about 50,000 statements followed naively), then a model with the LG001 mismatch: 91 lines."""
    lines = ["import keras", "", "def h0(x):", "    y = x", "    z = y", "    w = z", "    return w", ""]
    for level in range(1, 7):
        lines += [f"def h{level}(x):"]
        lines += [f"    a{i} = h{level - 1}({argument})" for i in range(5)]
        lines += ["    b = a0", "    c = b", "    d = c", "    e = d", "    f = e", "    return x", ""]
    lines += [
        "inputs = keras.Input((4,))",
        "x = h6(inputs)",
        "outputs = keras.layers.Dense(10, activation='softmax')(x)",
        "model = keras.Model(inputs, outputs)",
        "model.compile(optimizer='adam', loss='binary_crossentropy')",
    ]
    return "\n".join(lines) + "\n"


def test_nested_helpers_with_constant_arguments_are_analysed(tmp_path: Path) -> None:
    script = tmp_path / "helpers.py"
    script.write_text(nested_helpers("3"))
    assert len(script.read_text().splitlines()) == 91
    result = run_cli("check", str(script), "--no-cache", "-f", "json")
    assert codes(result) == ["LG001"] and result.returncode == 1


def test_nested_helpers_on_tensors_are_analysed_or_lg903(tmp_path: Path) -> None:
    """``h(x)`` with a new tensor each time cannot be memoised: analysed, or LG903, never clean."""
    script = tmp_path / "helpers.py"
    script.write_text(nested_helpers("keras.layers.Dense(8)(x)"))
    result = run_cli("check", str(script), "--no-cache", "-f", "json")
    found = codes(result)
    assert result.returncode == 1 and found in (["LG001"], ["LG903"], ["LG001", "LG903"])


def busy(calls: int = 500) -> str:
    """A 100-statement helper called ``calls`` times with a new tensor: 50,000 statements."""
    body = "".join(f"    a{i} = x\n" for i in range(98))
    lines = ["x = block(keras.layers.Dense(8)(x))\n" for _ in range(calls)]
    return "x = keras.Input((4,))\ndef block(x):\n" + body + "    return x\n" + "".join(lines)


def test_the_budget_running_out_is_lg903_and_keeps_what_was_found(tmp_path: Path) -> None:
    script = tmp_path / "long.py"
    script.write_text(BUGGY + busy())
    result = run_cli("check", str(script), "--no-cache", "-f", "json")
    assert codes(result) == ["LG001", "LG903"] and result.returncode == 1
    stopped = next(d for d in json.loads(result.stdout) if d["code"] == "LG903")
    assert "analysis stopped after 40,000 statements" in stopped["message"]


def test_a_model_after_the_budget_is_not_a_silent_pass(tmp_path: Path) -> None:
    script = tmp_path / "late.py"
    script.write_text("import keras\n" + busy() + BUGGY)
    result = run_cli("check", str(script), "--no-cache", "-f", "json")
    assert codes(result) == ["LG903"] and result.returncode == 1


def test_a_script_too_long_to_analyse_is_refused_quickly(tmp_path: Path) -> None:
    script = tmp_path / "long.py"
    script.write_text(BUGGY + "".join(f"v{i} = {i}\n" for i in range(45_000)))
    start = time.perf_counter()
    result = run_cli("check", str(script), "--no-cache", "-f", "json")
    assert time.perf_counter() - start < 30
    assert codes(result) == ["LG903"] and result.returncode == 1
    assert "too long to analyse (45,003 lines of code > 20,000 limit)" in result.stdout


@pytest.mark.slow
def test_100000_lines_and_a_200000_line_cell_finish_quickly(tmp_path: Path) -> None:
    """Refused before parsing (20,000 lines of code at most): seconds, not minutes."""
    script = tmp_path / "big.py"
    script.write_text(BUGGY + "".join(f"v = {i}\n" for i in range(100_000)))
    cell = BUGGY + "".join("x = 1\n" for _ in range(200_000))
    (tmp_path / "big.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell}]}))
    for target in ("big.py", "big.ipynb"):
        start = time.perf_counter()
        result = run_cli("check", str(tmp_path / target), "--no-cache", "-f", "json")
        assert time.perf_counter() - start < 20, target
        assert "LG903" in codes(result) and result.returncode == 1, target
