"""CI and CLI habits (issue 21): the GitHub job summary, the composite action, the format switch
and ``-o``, ``--output-format``, ``.gitignore``, ``--statistics``, all-excluded runs, ``--help``
at 80 columns — each through the real CLI (or, for the action, its real bash step)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.cli.test_integrations import SOFTMAX_BCE, json_codes, project
from tests.conftest import ROOT, run_cli

MODE_MIN = (ROOT / "tests" / "data" / "fixes" / "lg023_mode_min_accuracy.py").read_text()


# ----- the job summary ---------------------------------------------------------------------


def _many_warnings(tmp_path: Path, files: int) -> Path:
    """``files`` scripts with one LG001 warning each (GitHub shows only 10 warnings)."""
    return project(tmp_path, {f"train_{n:02}.py": SOFTMAX_BCE for n in range(files)})


def test_the_job_summary_lists_every_finding_and_what_the_cap_hid(tmp_path: Path) -> None:
    folder = _many_warnings(tmp_path / "src", 12)
    (folder / "stop.py").write_text(MODE_MIN)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run_cli(
        "check",
        str(folder),
        "--no-cache",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 1
    assert result.stdout.count("::warning ") == 12 and result.stdout.count("::error ") == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n## lossguard\n")  # appended, as every step's summary is
    assert "13 problems (1 error, 12 warnings) in 13 file(s)." in text
    assert "2 of these findings appear only here" in text  # 12 warnings, 10 shown
    assert text.count("\n### `") == 13  # one table per file
    assert text.count("| LG001 softmax-binary-crossentropy |") == 12
    assert "| LG023 monitor-mode-mismatch (fixable) | error |" in text
    row = next(line for line in text.splitlines() if "LG023" in line)
    assert row.startswith("| line 9 |") and "mode='max'" in row


def test_no_summary_without_the_variable_and_none_for_other_formats(tmp_path: Path) -> None:
    folder = _many_warnings(tmp_path / "src", 1)
    summary = tmp_path / "summary.md"
    run_cli("check", str(folder), "--no-cache", "-f", "json", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()


def test_markdown_in_a_path_cannot_break_the_table() -> None:
    from lossguard.report.github import _cell

    assert _cell("a|b\nc <script>") == "a\\|b c &lt;script&gt;"


# ----- the composite action ----------------------------------------------------------------


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_the_action_passes_inputs_through_env_and_keeps_the_jobs_python() -> None:
    steps = _action()["runs"]["steps"]
    assert not any("setup-python" in step.get("uses", "") for step in steps)
    for step in steps:
        assert "${{" not in step.get("run", ""), step["name"]
    run = next(step for step in steps if step["name"] == "Run lossguard")
    assert set(run["env"].values()) >= {"${{ inputs.paths }}", "${{ inputs.args }}", "${{ inputs.format }}"}


def test_the_action_run_step_treats_inputs_as_data(tmp_path: Path) -> None:
    """The real bash of the step, with inputs that would run a command if interpolated."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    (tmp_path / "train.py").write_text(SOFTMAX_BCE)
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    shim = venv / "lossguard"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lossguard "$@"\n')
    shim.chmod(0o755)
    run = next(step for step in _action()["runs"]["steps"] if step["name"] == "Run lossguard")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    env.update(
        PYTHONPATH=str(ROOT),
        NO_COLOR="1",
        LOSSGUARD_VENV=str(venv.parent),
        LOSSGUARD_PATHS='train.py $(touch pwned-paths) "; touch pwned-quote"',
        LOSSGUARD_ARGS="--no-cache --select LG001 `touch pwned-args`",
        LOSSGUARD_FORMAT="json",
    )
    result = subprocess.run(["bash", "-c", run["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert not list(tmp_path.glob("pwned*")), "an input was run as a command"
    assert result.returncode == 2, result.stderr  # the odd words are paths that do not exist
    assert "no such file or directory" in result.stderr
    env["LOSSGUARD_PATHS"] = "train.py"
    env["LOSSGUARD_ARGS"] = "--no-cache --select LG001"
    result = subprocess.run(["bash", "-c", run["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert [d["code"] for d in json.loads(result.stdout)] == ["LG001"]


# ----- formats -----------------------------------------------------------------------------


def test_the_github_default_never_applies_to_an_output_file(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(SOFTMAX_BCE)
    out = tmp_path / "report.txt"
    result = run_cli(
        "check", "train.py", "--no-cache", "-o", str(out), cwd=tmp_path, env={"GITHUB_ACTIONS": "true"}
    )
    assert result.returncode == 1
    assert out.read_text().startswith("train.py:3:")
    assert "::warning" not in out.read_text()


def test_output_format_is_an_alias_of_format(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(SOFTMAX_BCE)
    result = run_cli("check", "train.py", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert json_codes(result) == [("train.py", "LG001", 3)]


def test_every_format_has_a_renderer() -> None:
    from lossguard.face.cli import RENDERERS, OutputFormat

    assert set(RENDERERS) == set(OutputFormat)


def test_statistics_prints_the_table_only(tmp_path: Path) -> None:
    project(tmp_path, {"a.py": SOFTMAX_BCE, "b.py": SOFTMAX_BCE, "c.py": MODE_MIN})
    result = run_cli("check", ".", "--no-cache", "--statistics", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "    2  LG001  softmax-binary-crossentropy",
        "    1  LG023  monitor-mode-mismatch",
    ]


def test_check_help_fits_80_columns() -> None:
    result = run_cli("check", "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    for option in ("--output-format", "--no-respect-gitignore", "--force-exclude", "--unsafe-fixes"):
        assert option in result.stdout  # whole, never cut with '…'
    assert "…" not in result.stdout


# ----- which files -------------------------------------------------------------------------


def test_gitignored_files_are_left_out_by_default(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            ".gitignore": "wandb/\n*.tmp.py\n",
            "sub/.ignore": "generated_*.py\n!generated_keep.py\n",
            "train.py": SOFTMAX_BCE,
            "wandb/run-20240101/files/code/train.py": SOFTMAX_BCE,
            "scratch.tmp.py": SOFTMAX_BCE,
            "sub/generated_model.py": SOFTMAX_BCE,
            "sub/generated_keep.py": SOFTMAX_BCE,
        },
    )
    (tmp_path / ".git").mkdir()  # the repository root: ignore files above it do not count
    default = run_cli("check", ".", "--no-cache", "-f", "json", cwd=tmp_path)
    assert sorted(p for p, _, _ in json_codes(default)) == ["generated_keep.py", "train.py"]
    everything = run_cli("check", ".", "--no-cache", "-f", "json", "--no-respect-gitignore", cwd=tmp_path)
    assert len(json_codes(everything)) == 5
    (tmp_path / "pyproject.toml").write_text("[tool.lossguard]\nrespect-gitignore = false\n")
    configured = run_cli("check", ".", "--no-cache", "-f", "json", cwd=tmp_path)
    assert len(json_codes(configured)) == 5


def test_a_gitignored_file_named_explicitly_is_checked_unless_forced(tmp_path: Path) -> None:
    project(tmp_path, {".gitignore": "wandb/\n", "wandb/copy.py": SOFTMAX_BCE})
    assert run_cli("check", "wandb/copy.py", "--no-cache", cwd=tmp_path).returncode == 1
    forced = run_cli("check", "wandb/copy.py", "--no-cache", "--force-exclude", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def test_exit_zero_when_every_given_file_is_excluded(tmp_path: Path) -> None:
    """pre-commit passes the staged files with --force-exclude: all excluded is a pass."""
    project(
        tmp_path, {"pyproject.toml": '[tool.lossguard]\nexclude = ["legacy"]\n', "legacy/old.py": SOFTMAX_BCE}
    )
    result = run_cli("check", "legacy/old.py", "--force-exclude", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "excluded" in result.stderr and "Traceback" not in result.stderr
    fixing = run_cli("check", "legacy/old.py", "--force-exclude", "--fix", "--no-cache", cwd=tmp_path)
    assert fixing.returncode == 0, fixing.stderr
    folder = run_cli("check", "legacy", "--no-cache", cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("check", "empty", cwd=tmp_path).returncode == 2  # nothing there at all is still an error


@pytest.mark.parametrize("option", [("-f", "sarif"), ("--show-source",)])
def test_a_fifo_in_the_tree_is_reported_not_waited_on(tmp_path: Path, option: tuple[str, ...]) -> None:
    """SARIF and --show-source once read files themselves and hung on a named pipe."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    (tmp_path / "train.py").write_text(SOFTMAX_BCE)
    os.mkfifo(tmp_path / "pipe.py")
    result = run_cli("check", ".", "--no-cache", *option, cwd=tmp_path)
    assert result.returncode == 1
    assert "LG903" in result.stdout and "LG001" in result.stdout


def test_the_server_without_the_lsp_extra_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None; sys.argv = ['lossguard', 'server']\n"
        "from lossguard.face.cli import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 2
    assert "pip install 'lossguard[lsp]'" in result.stderr
