"""The probe keeps its promises: nothing outlives it, nothing escapes it (real TensorFlow).

Each test runs a script that misbehaves before fit() and checks both the findings and the
absence of side effects: no process left (``/proc``), no file written in the user's folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SCRIPTS = Path(__file__).parent / "scripts"
pytestmark = [pytest.mark.slow, pytest.mark.probe]
np = pytest.importorskip("numpy", reason="the probe extra is not installed")


def survivors(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline.split(b"\0"):  # the daemons' own argument, nothing else
            found.append(int(name))
    return found


def gone(marker: str, within: float = 20.0) -> list[int]:
    """The daemons still alive once they have had ``within`` seconds to go: a leak lives on
    (its script sleeps for minutes), a slow exit on a loaded machine does not count."""
    deadline = time.monotonic() + within
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    return survivors(marker)


# Time bounds here are far above the probe's own timeouts on an idle machine (start-up takes
# seconds under load) and far below what a broken timeout or a leaked daemon would take (the
# scripts sleep or print for minutes): they fail on a real hang, not on a busy machine.


def copy_script(tmp_path: Path, name: str) -> Path:
    shutil.copy(SCRIPTS / name, tmp_path / name)
    shutil.copy(SCRIPTS / "_model.py", tmp_path / "_model.py")
    return tmp_path / name


def probe(
    script: Path, *args: str, env: dict[str, str] | None = None, timeout: str = "120"
) -> tuple[list[dict], float]:
    start = time.perf_counter()
    result = run_cli(
        "check",
        str(script),
        "--probe",
        "--no-cache",
        "-f",
        "json",
        "--probe-timeout",
        timeout,
        *args,
        env=env,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout), elapsed


# Every machine gets the strongest containment it allows; the Python-level fallback ("process")
# must keep the same promises where namespaces are not available.
LEVELS = pytest.mark.parametrize(
    "level", [{}, {"LOSSGUARD_PROBE_NO_NAMESPACES": "1"}], ids=["best", "process-only"]
)


def codes(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["code"], f["source"]) for f in findings}


@LEVELS
def test_processes_started_before_fit_do_not_outlive_the_probe_or_hold_it(
    tmp_path: Path, level: dict
) -> None:
    marker = f"probe-test-{uuid.uuid4()}"
    script = copy_script(tmp_path, "spawns_processes.py")
    findings, elapsed = probe(script, env={"LOSSGUARD_TEST_MARKER": marker, **level})
    assert codes(findings) == {("LG001", "runtime")}  # the result, not a false LG901
    assert elapsed < 110  # the sleepers (300 s) did not keep it waiting, nor the 120 s timeout
    assert gone(marker) == []


@LEVELS
def test_a_hang_after_a_daemon_ends_at_the_timeout_with_nothing_left(tmp_path: Path, level: dict) -> None:
    marker = f"probe-test-{uuid.uuid4()}"
    findings, elapsed = probe(
        SCRIPTS / "spawns_then_hangs.py", env={"LOSSGUARD_TEST_MARKER": marker}, timeout="10"
    )
    assert [f["code"] for f in findings] == ["LG901"] and "within 10 s" in findings[0]["message"]
    assert elapsed < 60  # the 10 s timeout held: the daemon (300 s) did not keep the probe waiting
    assert gone(marker) == []


@pytest.mark.parametrize("name", ["fit_in_thread.py", "fit_swallowed.py"])
def test_fit_in_a_thread_or_a_swallowing_try_ends_the_probe(tmp_path: Path, name: str) -> None:
    after = tmp_path / "after_fit.txt"
    findings, _ = probe(copy_script(tmp_path, name), env={"LOSSGUARD_TEST_AFTER": str(after)})
    assert codes(findings) == {("LG001", "runtime")}
    assert not after.exists() and not list(tmp_path.rglob("after_fit.txt"))


def test_tf_keras_imported_directly_is_intercepted(tmp_path: Path) -> None:
    env = {k: "" for k in ("TF_USE_LEGACY_KERAS",)}
    findings, _ = probe(copy_script(tmp_path, "tf_keras_direct.py"), env=env)
    assert codes(findings) == {("LG001", "both")}
    assert not (tmp_path / "trained.keras").exists()


@LEVELS
def test_writes_deletes_and_saves_stay_in_the_scratch_folder(tmp_path: Path, level: dict) -> None:
    script = copy_script(tmp_path, "writes_files.py")
    (tmp_path / "existing.txt").write_text("original")
    before = sorted(p.name for p in tmp_path.iterdir())
    findings, _ = probe(script, env=level)
    assert codes(findings) == {("LG001", "runtime")}
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "existing.txt").read_text() == "original"
    assert not (ROOT / "relative.txt").exists() and not (ROOT / "logs").exists()


@LEVELS
def test_the_network_is_closed_and_fit_is_still_reached(tmp_path: Path, level: dict) -> None:
    findings, _ = probe(copy_script(tmp_path, "uses_network.py"), env=level)
    assert codes(findings) == {("LG001", "runtime")}


def test_relative_reads_see_the_scripts_folder(tmp_path: Path) -> None:
    np.savez(tmp_path / "beside.npz", x=np.random.random((16, 4)).astype("float32"))
    findings, _ = probe(copy_script(tmp_path, "reads_beside_itself.py"))
    assert codes(findings) == {("LG001", "runtime")}


def test_a_notebook_runs_in_its_own_folder(tmp_path: Path) -> None:
    np.savez(tmp_path / "beside.npz", x=np.random.random((16, 4)).astype("float32"))
    shutil.copy(SCRIPTS / "_model.py", tmp_path / "_model.py")
    cells = ["!pip install nothing\n%matplotlib inline\n", (SCRIPTS / "reads_beside_itself.py").read_text()]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    findings, _ = probe(tmp_path / "nb.ipynb")
    assert codes(findings) == {("LG001", "runtime")}
    assert findings[0]["cell"] == 2


def test_a_file_already_in_keras_cache_is_read_not_downloaded(tmp_path: Path) -> None:
    home = tmp_path / "keras_home"
    (home / "datasets").mkdir(parents=True)
    labels = np.arange(32) % 10
    images = np.zeros((32, 28, 28), dtype="uint8")
    np.savez(home / "datasets" / "mnist.npz", x_train=images, y_train=labels, x_test=images, y_test=labels)
    findings, _ = probe(SCRIPTS / "cached_dataset.py", env={"KERAS_HOME": str(home)})
    assert ("LG001", "both") in codes(findings)
    assert "LG901" not in {f["code"] for f in findings}


@LEVELS
def test_sigterm_to_lossguard_leaves_nothing_behind(tmp_path: Path, level: dict) -> None:
    marker = f"probe-test-{uuid.uuid4()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOSSGUARD_TEST_MARKER": marker, **level}
    command = [
        sys.executable,
        "-m",
        "lossguard",
        "check",
        str(SCRIPTS / "spawns_then_hangs.py"),
        "--probe",
        "--no-cache",
    ]
    lossguard = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert survivors(marker), "the script's daemon never started"
    lossguard.send_signal(signal.SIGTERM)
    lossguard.wait(timeout=30)
    assert gone(marker) == []


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-5", "1e300"])
def test_probe_timeout_must_be_finite_and_positive(value: str) -> None:
    result = run_cli("check", str(SCRIPTS / "clean_binary.py"), "--probe", "--probe-timeout", value)
    assert result.returncode == 2 and "--probe-timeout" in result.stderr and "Traceback" not in result.stderr


def test_endless_output_is_bounded_and_the_timeout_holds() -> None:
    script = SCRIPTS / "prints_forever.py"
    command = [sys.executable, "-m", "lossguard", "check", str(script), "--probe", "--no-cache", "-f", "json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    start = time.perf_counter()
    lossguard = subprocess.Popen(
        [*command, "--probe-timeout", "10"], env=env, stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while lossguard.poll() is None:
        try:
            status = Path(f"/proc/{lossguard.pid}/status").read_text()
            peak = max(
                peak, int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            )
        except (OSError, StopIteration):
            pass
        time.sleep(0.2)
    (finding,) = json.loads(lossguard.stdout.read())
    assert finding["code"] == "LG901" and "within 10 s" in finding["message"]
    assert time.perf_counter() - start < 60  # the 10 s timeout held, output was not awaited
    assert peak < 300_000  # kB: gigabytes were printed, the parent kept a tail
