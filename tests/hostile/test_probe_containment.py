"""Item 8 of issue 22: a probe that holds against hostile scripts, in both containment modes.

Before: ``subprocess.DEVNULL`` gave a false LG901; a run from /tmp did too in namespace mode;
``shutil.rmtree`` (``dir_fd``), ``os.remove(dir_fd=)``, ``io.FileIO``, ``_io.open``,
``os.mkfifo``, ``os.symlink``, ``tf.io.write_file``, ``tf.io.gfile`` and ``Checkpoint.write``
wrote or deleted outside the scratch folder; a UNIX socket outside it was reachable; the
script could remount its folder writable; SIGHUP or repeated signals left processes and the
temporary folder; a bad ``LOSSGUARD_PROBE_MEMORY_FRACTION`` silently removed the limit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from lossguard.probe.process import namespaces_available
from tests.conftest import ROOT, run_cli

SCRIPTS = Path(__file__).parent / "scripts"
MODES = pytest.mark.parametrize(
    "mode", [{}, {"LOSSGUARD_PROBE_NO_NAMESPACES": "1"}], ids=["namespaces", "process"]
)


def needs(mode: dict[str, str]) -> None:
    if not mode and not namespaces_available():
        pytest.skip("this machine does not allow user namespaces")


def copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    shutil.copy(SCRIPTS / name, folder / name)
    shutil.copy(SCRIPTS / "_model.py", folder / "_model.py")
    return folder / name


def probe(script: Path, env: dict[str, str], cwd: Path | None = None) -> list[tuple[str, str]]:
    result = run_cli("check", str(script), "--probe", "--no-cache", "-f", "json", env=env, cwd=cwd)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-2000:]
    return sorted((f["code"], f["source"]) for f in json.loads(result.stdout))


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


class Canary:
    """A UNIX socket server outside the scratch folder: counts the connections it gets."""

    def __init__(self, path: Path) -> None:
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(str(path))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.connections = 0
        self.open = True
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while self.open:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.open = False
        self.thread.join()
        self.server.close()


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_every_escape_is_contained_and_devnull_is_no_lg901(tmp_path: Path, mode: dict[str, str]) -> None:
    needs(mode)
    target = tmp_path / "target"
    (target / "tree" / "sub").mkdir(parents=True)
    (target / "tree" / "sub" / "f.txt").write_text("x")
    (target / "kept.txt").write_text("kept")
    canary = Canary(target / "canary.sock")
    before = tree(target)
    try:
        found = probe(copy(tmp_path, "escapes.py"), {**mode, "LOSSGUARD_HOSTILE_TARGET": str(target)})
    finally:
        canary.close()
    assert found == [("LG001", "runtime")]  # fit() reached: no LG901 for subprocess.DEVNULL
    assert tree(target) == before and (target / "kept.txt").read_text() == "kept"
    assert canary.connections == 0


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_writing_to_dev_null_is_no_lg901(tmp_path: Path, mode: dict[str, str]) -> None:
    needs(mode)
    assert probe(copy(tmp_path, "devnull.py"), mode) == [("LG001", "runtime")]


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_a_run_from_tmp_is_no_lg901(tmp_path: Path, mode: dict[str, str]) -> None:
    """The scratch folder under the read-only /tmp bind is mounted writable again."""
    needs(mode)
    script = copy(tmp_path, "escapes.py")
    target = tmp_path / "target"
    target.mkdir()
    found = probe(script, {**mode, "LOSSGUARD_HOSTILE_TARGET": str(target)}, cwd=Path("/tmp"))
    assert found == [("LG001", "runtime")]


@pytest.mark.slow
@pytest.mark.probe
def test_namespace_mounts_are_locked(tmp_path: Path) -> None:
    needs({})
    script = copy(tmp_path, "remounts.py")
    assert probe(script, {}) == [("LG001", "runtime")]
    assert not (script.parent / "pwned.txt").exists()


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_a_base_class_fit_and_execv_stop_at_the_first_step(tmp_path: Path, mode: dict[str, str]) -> None:
    needs(mode)
    target = tmp_path / "target"
    target.mkdir()
    script = copy(tmp_path, "own_entry_points.py")
    assert probe(script, {**mode, "LOSSGUARD_HOSTILE_TARGET": str(target)}) == [("LG001", "runtime")]
    assert list(target.iterdir()) == []


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_a_spawned_child_is_guarded_and_stops_at_fit(tmp_path: Path, mode: dict[str, str]) -> None:
    needs(mode)
    target = tmp_path / "target"
    target.mkdir()
    script = copy(tmp_path, "spawned_child.py")
    assert probe(script, {**mode, "LOSSGUARD_HOSTILE_TARGET": str(target)}) == [("LG001", "runtime")]
    assert list(target.iterdir()) == []


@pytest.mark.slow
@pytest.mark.probe
@MODES
def test_a_fifo_in_place_of_the_result_does_not_hang_lossguard(tmp_path: Path, mode: dict[str, str]) -> None:
    needs(mode)
    script = copy(tmp_path, "poisons_result.py")
    start = time.monotonic()
    result = run_cli(
        "check", str(script), "--probe", "--no-cache", "-f", "json", "--probe-timeout", "20", env=mode
    )
    assert time.monotonic() - start < 120
    assert "LG901" in {f["code"] for f in json.loads(result.stdout)}


@pytest.mark.parametrize("value", ["abc", "nan", "0", "-1", "1.5"])
def test_an_invalid_memory_fraction_is_refused(tmp_path: Path, value: str) -> None:
    (tmp_path / "train.py").write_text("from tensorflow import keras\nkeras.Sequential().fit()\n")
    result = run_cli(
        "check", str(tmp_path / "train.py"), "--probe", env={"LOSSGUARD_PROBE_MEMORY_FRACTION": value}
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"LOSSGUARD_PROBE_MEMORY_FRACTION={value!r}" in result.stderr


def survivors(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0"):
                    found.append(int(name))
            except OSError:
                continue
    return found


@pytest.mark.slow
@pytest.mark.probe
@MODES
@pytest.mark.parametrize("signals", [[signal.SIGHUP], [signal.SIGTERM] * 4, [signal.SIGINT] * 3])
def test_signals_leave_no_process_and_no_temporary_folder(
    tmp_path: Path, mode: dict[str, str], signals: list[signal.Signals]
) -> None:
    needs(mode)
    marker = f"probe-test-{uuid.uuid4()}"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **os.environ,
        **mode,
        "PYTHONPATH": str(ROOT),
        "LOSSGUARD_TEST_MARKER": marker,
        "TMPDIR": str(temporary),
    }
    command = [sys.executable, "-m", "lossguard", "check", str(SCRIPTS / "spawns_then_hangs.py"), "--probe"]
    lossguard = subprocess.Popen(
        [*command, "--no-cache"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 90
    while not survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert survivors(marker), "the script's daemon never started"
    for each in signals:  # back to back: the later ones arrive while the first is unwinding
        lossguard.send_signal(each)
    lossguard.wait(timeout=60)
    time.sleep(0.5)
    assert survivors(marker) == []
    assert list(temporary.iterdir()) == []
