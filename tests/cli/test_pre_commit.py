"""The pre-commit hook for real: `pre-commit try-repo <this repo> lossguard` in a throw-away repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = [
    pytest.mark.slow,  # each test builds a pre-commit environment (about 100 s together)
    pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for pre-commit"),
]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_pre_commit_refuses_the_buggy_script_and_passes_the_clean_one(tmp_path: Path) -> None:
    repo = tmp_path / "user-repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    shutil.copy(FIXTURES / "seed004_mnist_binary_crossentropy.py", repo / "train_bad.py")
    shutil.copy(FIXTURES / "ok_binary_sigmoid_bce.py", repo / "train_good.py")
    git(repo, "add", ".")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS",)}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["NO_COLOR"] = "1"

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "lossguard", "--files", *files],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    bad = try_repo("train_bad.py")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "LG001 [softmax-binary-crossentropy]" in bad.stdout
    assert "train_bad.py:" in bad.stdout
    good = try_repo("train_good.py")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_pre_commit_with_fix_rewrites_the_file_and_fails_the_commit(tmp_path: Path) -> None:
    """`args: [--fix]` as README shows: the hook fixes the staged file and, as formatters do,
    fails so that the user reviews and stages the change."""
    hooks = tmp_path / "hooks-repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(hooks)], check=True, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hooks, check=True, capture_output=True, text=True
    ).stdout.strip()
    repo = tmp_path / "user-repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    before = ROOT / "tests" / "data" / "fixes" / "lg023_mode_min_accuracy.py"
    shutil.copy(before, repo / "train.py")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: lossguard\n        args: [--fix]\n"
    )
    git(repo, "add", ".")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS",)}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["NO_COLOR"] = "1"

    def pre_commit_run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--files", "train.py"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    run = pre_commit_run()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    assert (repo / "train.py").read_text() == before.with_name(before.stem + ".fixed.py").read_text()
    again = pre_commit_run()  # the fixed file passes
    assert again.returncode == 0, again.stdout + again.stderr
