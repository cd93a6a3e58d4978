"""The CLI through real subprocess calls: exit codes, formats, options, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_cli

BUGGY = FIXTURES / "seed004_mnist_binary_crossentropy.py"
CLEAN = FIXTURES / "ok_binary_sigmoid_bce.py"


def test_version_and_module_entry_point() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("lossguard 0.")


def test_clean_file_exits_zero_with_summary() -> None:
    result = run_cli("check", str(CLEAN), "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "No problems found (1 file checked)" in result.stdout


def test_findings_exit_one_and_text_lines() -> None:
    result = run_cli("check", str(BUGGY), "--no-cache", "--keras-version", "3")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        f"{BUGGY}:25:20: LG001 [softmax-binary-crossentropy] softmax output (Dense(10, softmax) at line 24)"
    )
    assert first.endswith(
        "its loss is not the categorical one. Fix: use loss='categorical_crossentropy' (one-hot labels) or 'sparse_categorical_crossentropy' (integer labels); for two classes, Dense(1, activation='sigmoid') with 'binary_crossentropy'"
    )
    # one line per finding, then the summary, then what --fix could do (LG001's fix is unsafe)
    assert len(result.stdout.splitlines()) == 3
    assert result.stdout.splitlines()[2] == "No fixes available (1 more with --unsafe-fixes)."
    assert "Found 1 problem (0 errors, 1 warning) in 1 file" in result.stdout


def test_exit_zero_select_ignore() -> None:
    assert run_cli("check", str(BUGGY), "--no-cache", "--exit-zero").returncode == 0
    assert run_cli("check", str(BUGGY), "--no-cache", "--ignore", "LG001").returncode == 0
    assert run_cli("check", str(BUGGY), "--no-cache", "--select", "LG02").returncode == 0
    assert run_cli("check", str(BUGGY), "--no-cache", "--select", "LG001,LG002").returncode == 1


def test_unknown_code_is_a_usage_error() -> None:
    result = run_cli("check", str(BUGGY), "--select", "LG999")
    assert result.returncode == 2
    assert "unknown rule code 'LG999'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_keras_version_is_a_usage_error() -> None:
    result = run_cli("check", str(BUGGY), "--keras-version", "banana")
    assert result.returncode == 2 and "cannot understand Keras version" in result.stderr


def test_json_contract() -> None:
    result = run_cli("check", str(BUGGY), "--no-cache", "-f", "json", "--keras-version", "2.2.4")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert [d["code"] for d in data] == ["LG001", "LG020"]
    keys = {
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "source",
        "related",
        "fix",
    }
    for item in data:
        assert set(item) == keys
        assert item["source"] == "static"
        assert item["line"] >= 1 and item["column"] >= 1
        assert item["end_line"] >= item["line"]
        for related in item["related"]:
            assert set(related) == {"path", "line", "message"}
    assert data[1]["severity"] == "error" and "binary_accuracy" in data[1]["message"]


def test_stdin() -> None:
    source = BUGGY.read_bytes()
    result = run_cli("check", "-", "--no-cache", "-f", "json", "--stdin-filename", "mnist.py", stdin=source)
    assert result.returncode == 1
    assert json.loads(result.stdout)[0]["path"] == "mnist.py"


def test_show_source_and_statistics() -> None:
    bird = str(FIXTURES / "seed000_bird_transfer_learning.py")
    result = run_cli("check", bird, "--no-cache", "--show-source")
    assert result.returncode == 1
    assert "   54 | classifier.compile(" in result.stdout
    assert "^^^" in result.stdout
    statistics = run_cli("check", bird, "--no-cache", "--statistics")
    assert statistics.returncode == 1
    assert "    2  LG042  steps-are-samples" in statistics.stdout
    assert "classifier.compile(" not in statistics.stdout


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    missing = run_cli("check", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
    empty = run_cli("check", str(tmp_path))
    assert empty.returncode == 2 and "no Python files" in empty.stderr


def test_parse_error_reported_and_other_files_checked(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import keras\nmodel.compile(loss='bce'\n")
    (tmp_path / "bad.py").write_bytes(BUGGY.read_bytes())
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert sorted((Path(d["path"]).name, d["code"]) for d in data) == [
        ("bad.py", "LG001"),
        ("broken.py", "LG900"),
    ]
    assert "Traceback" not in result.stderr


def test_odd_files_get_clear_messages(tmp_path: Path) -> None:
    (tmp_path / "binary.py").write_bytes(b"\x00\x01keras\x02" * 100)
    (tmp_path / "latin1.py").write_bytes("# caf\xe9 keras\nx = 1\n".encode("latin-1"))
    (tmp_path / "empty.py").write_bytes(b"")
    generated = "import keras\n" + "".join(f"value_{i} = {i}\n" for i in range(400_000))
    (tmp_path / "generated.py").write_text(generated)
    (tmp_path / "pep263.py").write_bytes(
        "# -*- coding: latin-1 -*-\n# caf\xe9\nimport keras\n".encode("latin-1")
    )
    result = run_cli("check", str(tmp_path), "--no-cache")
    assert result.returncode == 1, result.stdout + result.stderr  # a file not read is never a pass
    assert "Traceback" not in result.stdout + result.stderr
    assert "binary.py:1:1: LG903 [file-not-checked] this file was not checked: binary file" in result.stdout
    assert (
        "latin1.py:1:1: LG903 [file-not-checked] this file was not checked: not UTF-8 and no PEP 263"
        in result.stdout
    )
    assert (
        "generated.py:1:1: LG903 [file-not-checked] this file was not checked: file too large"
        in result.stdout
    )
    assert "pep263.py" not in result.stdout  # decoded as Python decodes it
    assert "3 not checked (LG903)" in result.stdout


def test_directory_walk_skips_venvs_and_caches(tmp_path: Path) -> None:
    for folder in (".git", ".venv", "__pycache__", "site"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "train.py").write_bytes(BUGGY.read_bytes())
    (tmp_path / "site" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_bytes(BUGGY.read_bytes())
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json")
    assert [Path(d["path"]).parent.name for d in json.loads(result.stdout)] == ["src"]


def test_prefilter_skips_files_without_keras_training(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "train.py").write_bytes(CLEAN.read_bytes())
    result = run_cli("check", str(tmp_path), "--no-cache")
    assert result.returncode == 0
    assert "2 files checked, 1 skipped by the prefilter" in result.stdout


def test_rules_and_explain() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    assert "LG001  softmax-binary-crossentropy" in listing.stdout
    as_json = json.loads(run_cli("rules", "--format", "json").stdout)
    assert {r["code"] for r in as_json} >= {"LG001", "LG042", "LG900"}
    explained = run_cli("explain", "LG006")
    assert explained.returncode == 0 and "## Use instead" in explained.stdout
    assert run_cli("explain", "monitor-key-mismatch").returncode == 0
    unknown = run_cli("explain", "LG777")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = run_cli("check", str(CLEAN), "--format", "xml")
    assert result.returncode == 2


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_output_file(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out" / f"report.{fmt}"
    result = run_cli("check", str(BUGGY), "--no-cache", "-f", fmt, "--output-file", str(target))
    assert result.returncode == 1
    assert "LG001" in target.read_text()
    assert "LG001" not in result.stdout


def test_static_path_never_imports_tensorflow_or_keras() -> None:
    """Nor the extras of the editor faces (the language server, the notebook extension)."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['lossguard', 'check', 'fixtures', '--no-cache', '-q', '--jobs', '1']\n"
        "try:\n"
        "    runpy.run_module('lossguard', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('tensorflow', 'keras', 'tf_keras', 'jax', 'torch', 'pygls', 'lsprotocol', 'IPython')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith('lossguard.live') or m in ('lossguard.api', 'lossguard.face.server', 'lossguard.face.notebook'))\n"
        "print('IMPORTED:', bad)\n"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert "IMPORTED: []" in result.stdout, result.stdout + result.stderr
    assert "LG001" in result.stdout
