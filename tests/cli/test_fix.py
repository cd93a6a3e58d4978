"""--fix, --unsafe-fixes, --diff, --show-fixes through the real CLI, on before/after pairs
(tests/data/fixes: one script per fixable rule and its reviewed fixed form)."""

from __future__ import annotations

import ast
import io
import json
import shutil
import tokenize
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, run_cli

PAIRS_DIR = ROOT / "tests" / "data" / "fixes"
PAIRS = sorted(p for p in PAIRS_DIR.glob("*.py") if not p.name.endswith(".fixed.py"))
UNSAFE = {"lg001", "lg002", "lg003", "lg005", "lg009", "lg020"}  # the rules whose fix here is unsafe


def golden(before: Path) -> Path:
    return before.with_name(before.stem + ".fixed.py")


def rule_of(before: Path) -> str:
    return before.name.split("_")[0]


def findings(path: Path, *args: str) -> list[dict]:
    result = run_cli("check", str(path), "--no-cache", "--keras-version", "3", "-f", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def comments(text: str) -> list[str]:
    return [
        t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT
    ]


@pytest.fixture
def copy(tmp_path: Path):
    def make(source: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or source.name)
        shutil.copyfile(source, target)
        return target

    return make


def test_every_fixable_rule_has_a_pair() -> None:
    from lossguard.rules.docs import load_docs

    fixable = {code.lower() for code, doc in load_docs().items() if doc.fix != "never"}
    assert fixable == {rule_of(p) for p in PAIRS}
    assert all(golden(p).is_file() for p in PAIRS)
    unsafe = {code.lower() for code, doc in load_docs().items() if doc.fix.endswith("unsafe")}
    assert unsafe == UNSAFE


def test_every_pair_in_one_run_of_each_command(tmp_path: Path) -> None:
    """All pairs in one folder (the fast suite's share of the per-pair tests below): each file
    has its rule's finding; --fix alone applies only the safe fixes; --fix --unsafe-fixes makes
    exactly the reviewed change, keeps every comment, and a second run changes nothing."""
    for before in PAIRS:
        shutil.copyfile(before, tmp_path / before.name)
    found: dict[str, set[str]] = {}
    for data in findings(tmp_path):
        found.setdefault(Path(data["path"]).name, set()).add(data["code"])
    assert found == {before.name: {rule_of(before).upper()} for before in PAIRS}
    safe = run_cli("check", str(tmp_path), "--fix", "--no-cache", "--keras-version", "3")
    assert safe.returncode == 1, safe.stdout + safe.stderr  # the unsafe ones remain
    for before in PAIRS:
        wanted = before if rule_of(before) in UNSAFE else golden(before)
        assert (tmp_path / before.name).read_text() == wanted.read_text(), before.name
    for _ in range(2):  # the second --fix changes nothing
        result = run_cli(
            "check", str(tmp_path), "--fix", "--unsafe-fixes", "--no-cache", "--keras-version", "3"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        for before in PAIRS:
            fixed = (tmp_path / before.name).read_text()
            assert fixed == golden(before).read_text(), before.name
            assert comments(fixed) == comments(before.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("before", PAIRS, ids=lambda p: p.stem)
def test_fix_makes_the_reviewed_change_and_nothing_else(before, copy) -> None:
    code = rule_of(before).upper()
    target = copy(before)
    assert {f["code"] for f in findings(target)} == {code}
    result = run_cli("check", str(target), "--fix", "--unsafe-fixes", "--no-cache", "--keras-version", "3")
    assert result.returncode == 0, result.stdout + result.stderr  # nothing remains
    fixed = target.read_text()
    assert fixed == golden(before).read_text()
    assert findings(target) == []  # the finding is gone and no new one appeared
    ast.parse(fixed)
    assert comments(fixed) == comments(before.read_text())  # every comment kept, in order
    again = run_cli("check", str(target), "--fix", "--unsafe-fixes", "--no-cache", "--keras-version", "3")
    assert again.returncode == 0 and target.read_text() == fixed  # a second --fix changes nothing


@pytest.mark.slow
@pytest.mark.parametrize("before", PAIRS, ids=lambda p: p.stem)
def test_fix_alone_applies_only_safe_fixes(before, copy) -> None:
    target = copy(before)
    result = run_cli("check", str(target), "--fix", "--no-cache", "--keras-version", "3")
    if rule_of(before) in UNSAFE:
        assert result.returncode == 1 and target.read_text() == before.read_text()
        assert "No fixes available (1 more with --unsafe-fixes)." in result.stdout
    else:
        assert result.returncode == 0 and target.read_text() == golden(before).read_text()
        assert "Fixed" in result.stdout


def test_text_output_marks_fixable_findings_and_counts_them(copy) -> None:
    target = copy(PAIRS_DIR / "lg040_string_booleans.py")
    result = run_cli("check", str(target), "--no-cache", "--keras-version", "3")
    assert result.returncode == 1
    assert result.stdout.count(" LG040 [*] [string-boolean-argument] ") == 2
    assert result.stdout.rstrip().endswith("[*] 2 fixable with --fix.")


def test_diff_prints_a_unified_diff_and_writes_nothing(copy) -> None:
    target = copy(PAIRS_DIR / "lg023_mode_min_accuracy.py")
    original = target.read_text()
    result = run_cli("check", str(target), "--diff", "--no-cache", "--keras-version", "3")
    assert result.returncode == 1
    assert f"--- {target}" in result.stdout and f"+++ {target}" in result.stdout
    assert (
        "-stop = keras.callbacks.EarlyStopping(monitor='val_accuracy', mode='min', patience=2)"
        in result.stdout
    )
    assert (
        "+stop = keras.callbacks.EarlyStopping(monitor='val_accuracy', mode='max', patience=2)"
        in result.stdout
    )
    assert "Would fix 1 problem." in result.stderr
    assert target.read_text() == original
    clean = copy(golden(PAIRS_DIR / "lg023_mode_min_accuracy.py"), "clean.py")
    nothing = run_cli("check", str(clean), "--diff", "--no-cache", "--keras-version", "3")
    assert nothing.returncode == 0 and nothing.stdout == ""


def test_show_fixes_lists_what_was_fixed(copy) -> None:
    target = copy(PAIRS_DIR / "lg040_string_booleans.py")
    result = run_cli("check", str(target), "--fix", "--show-fixes", "--no-cache", "--keras-version", "3")
    assert result.returncode == 0
    assert "Fixed 2 problems:" in result.stdout and "2 × LG040 (string-boolean-argument)" in result.stdout


def test_stdin_fix_writes_the_fixed_code_to_stdout() -> None:
    before = PAIRS_DIR / "lg022_val_acc.py"
    result = run_cli(
        "check",
        "-",
        "--fix",
        "--keras-version",
        "3",
        "--stdin-filename",
        "train.py",
        stdin=before.read_bytes(),
    )
    assert result.returncode == 0
    assert result.stdout == golden(before).read_text()
    assert "Fixed 1 problem." in result.stderr


@pytest.mark.slow  # five runs of the CLI
def test_config_keys_choose_what_is_fixed(tmp_path, copy) -> None:
    target = copy(PAIRS_DIR / "lg040_string_booleans.py")
    (tmp_path / "lossguard.toml").write_text('keras-version = "3"\nfix = true\nunfixable = ["LG040"]\n')
    result = run_cli("check", str(target), "--no-cache", cwd=tmp_path)
    assert (
        result.returncode == 1 and target.read_text() == (PAIRS_DIR / "lg040_string_booleans.py").read_text()
    )
    assert "[*]" not in result.stdout
    (tmp_path / "lossguard.toml").write_text('keras-version = "3"\nfix = true\nfixable = ["LG04"]\n')
    assert run_cli("check", str(target), "--no-cache", cwd=tmp_path).returncode == 0
    assert target.read_text() == golden(PAIRS_DIR / "lg040_string_booleans.py").read_text()
    lg003 = copy(PAIRS_DIR / "lg003_single_unit_softmax.py")
    (tmp_path / "lossguard.toml").write_text('keras-version = "3"\nfix = true\nunsafe-fixes = true\n')
    assert run_cli("check", str(lg003), "--no-cache", cwd=tmp_path).returncode == 0
    (tmp_path / "lossguard.toml").write_text("fixable = 'LG040'\n")
    bad = run_cli("check", str(target), "--no-cache", cwd=tmp_path)
    assert bad.returncode == 2 and "'fixable' must be a list of rule codes" in bad.stderr


def test_line_endings_and_bom_are_kept(copy) -> None:
    before = PAIRS_DIR / "lg023_mode_min_accuracy.py"
    target = copy(before)
    target.write_bytes(b"\xef\xbb\xbf" + before.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli("check", str(target), "--fix", "--no-cache", "--keras-version", "3").returncode == 0
    assert target.read_bytes() == b"\xef\xbb\xbf" + golden(before).read_bytes().replace(b"\n", b"\r\n")


def _notebook(cells: list[tuple[str, str]], indent: int = 1) -> str:
    notebook = {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {"tags": ["kept"]} if kind == "code" else {},
                "source": source.splitlines(keepends=True),
                **(
                    {
                        "execution_count": 3,
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}],
                    }
                    if kind == "code"
                    else {}
                ),
            }
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=indent, ensure_ascii=False) + "\n"


NOTEBOOK_CELLS = [
    ("markdown", "# Training — a notebook with outputs"),
    (
        "code",
        "import numpy as np\nfrom tensorflow import keras\n%matplotlib inline\nx = np.random.rand(64, 8)\ny = np.random.randint(0, 2, 64)",
    ),
    (
        "code",
        'model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])\n'
        'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\n'
        'stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="min")\n'
        "model.fit(x, y, validation_split=0.2, callbacks=[stop])",
    ),
]


def test_notebook_fix_changes_only_that_cell_line(tmp_path) -> None:
    notebook = tmp_path / "train.ipynb"
    original = _notebook(NOTEBOOK_CELLS)
    notebook.write_text(original, encoding="utf-8")
    result = run_cli("check", str(notebook), "--fix", "--no-cache", "--keras-version", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = notebook.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(original.splitlines(), fixed.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and 'mode=\\"min\\"' in changed[0][0] and 'mode=\\"max\\"' in changed[0][1]
    assert fixed.endswith("}\n")


def test_notebook_whose_layout_cannot_be_kept_is_left_alone(tmp_path) -> None:
    notebook = tmp_path / "train.ipynb"
    original = _notebook(NOTEBOOK_CELLS, indent=3)
    notebook.write_text(original, encoding="utf-8")
    result = run_cli("check", str(notebook), "--fix", "--no-cache", "--keras-version", "3")
    assert result.returncode == 1
    assert notebook.read_text(encoding="utf-8") == original
    assert "fixes not applied: the notebook's cells or JSON layout could not be kept" in result.stderr


def test_json_sarif_and_github_carry_the_fix(copy) -> None:
    target = copy(PAIRS_DIR / "lg023_mode_min_accuracy.py")
    (finding,) = findings(target)
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["message"].startswith("mode='max'")
    (edit,) = finding["fix"]["edits"]
    assert edit == {
        "content": "'max'",
        "location": {"row": 9, "column": 67},
        "end_location": {"row": 9, "column": 72},
    }
    sarif = run_cli("check", str(target), "--no-cache", "--keras-version", "3", "-f", "sarif")
    data = json.loads(sarif.stdout)
    jsonschema.validate(data, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    (change,) = data["runs"][0]["results"][0]["fixes"][0]["artifactChanges"]
    assert change["replacements"][0]["insertedContent"]["text"] == "'max'"
    github = run_cli("check", str(target), "--no-cache", "--keras-version", "3", "-f", "github")
    assert "title=LG023 monitor-mode-mismatch (fixable)::" in github.stdout


def test_a_display_only_suggestion_is_not_an_edit(copy) -> None:
    target = copy(ROOT / "fixtures" / "bug_flow_from_directory_classes.py")
    (finding,) = findings(target)
    assert finding["fix"]["applicability"] == "display-only" and finding["fix"]["edits"] == []


def test_notebook_edits_in_json_are_cell_rows(tmp_path) -> None:
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(_notebook(NOTEBOOK_CELLS), encoding="utf-8")
    for _ in range(2):  # the second run reads the cache: the same edit
        result = run_cli("check", str(notebook), "--keras-version", "3", "-f", "json", cwd=tmp_path)
        (finding,) = json.loads(result.stdout)
        (edit,) = finding["fix"]["edits"]
        assert edit["location"] == {"row": 3, "column": 67, "cell": 2}
        assert edit["content"] == '"max"'


@pytest.mark.parametrize(
    "code, plain",
    [
        ("'adam'", True),
        ('"categorical_crossentropy"', True),
        ("r'a\\''", True),
        ("'''a'b'''", True),
        ("u'x'\n", True),
        ("'a' 'b'", False),  # implicit concatenation: no single literal to rewrite
        ('"""x""" "y"', False),
        ("f'{loss}'", False),
        ("b'mse'", False),
        ("('mse')", False),
        ("'a' + 'b'", False),
        ("'mse'  # the loss", False),
    ],
)
def test_only_a_single_plain_string_literal_is_rewritten(code: str, plain: bool) -> None:
    from lossguard.fix.edits import _plain_string

    assert _plain_string(code) is plain
