"""The probe's parent side: a fact source that runs the script in a child process.

This module never imports TensorFlow: the child (``harness.py``) does. ``observe`` returns the
same facts the static extractor produces (via ``translate.py``) plus tool diagnostics; the
engine runs the rules, merges and filters them like any other findings.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lossguard.facts import Observed
from lossguard.probe.protocol import HarnessResult
from lossguard.probe.translate import observed
from lossguard.sources import SourceText

MEMORY_LIMIT_BYTES = int(os.environ.get("LOSSGUARD_PROBE_MEMORY_GB", "16")) * 2**30


class ProbeUnavailable(Exception):
    """TensorFlow/Keras is not installed: the probe cannot run (a usage error)."""


def ensure_available() -> None:
    if importlib.util.find_spec("tensorflow") is None or (
        importlib.util.find_spec("keras") is None and importlib.util.find_spec("tf_keras") is None
    ):
        raise ProbeUnavailable(
            "--probe needs TensorFlow and Keras in this environment: pip install 'lossguard[probe]' "
            "(or run without --probe for the static checks)"
        )


# ----- running the child -------------------------------------------------------------------------


def _gpu_present() -> bool:
    return Path("/dev/nvidia0").exists() or Path("/dev/nvidiactl").exists()


def _limits(device: str) -> Any:
    def apply() -> None:
        try:
            import resource

            if device == "cpu" or not _gpu_present():
                resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
        except (ImportError, ValueError, OSError):
            pass

    return apply


def run_harness(
    script: Path, timeout: float, device: str = "auto", folder: Path | None = None
) -> HarnessResult:
    """Run one script under the harness; always returns a result dict (never raises).

    ``folder`` is the directory the script belongs to (a notebook's, when the script is the
    notebook's code written to a temporary file): it goes first on the child's ``sys.path``.
    """
    environment = dict(os.environ)
    if folder is not None:  # a notebook's code: its folder, and a get_ipython() that does nothing
        environment["LOSSGUARD_PROBE_FOLDER"] = str(folder.resolve())
        environment["LOSSGUARD_PROBE_NOTEBOOK"] = "1"
    environment["TF_CPP_MIN_LOG_LEVEL"] = "2"
    environment["PYTHONWARNINGS"] = "ignore"
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    environment["PYTHONPATH"] = package_root + os.pathsep + environment.get("PYTHONPATH", "")
    environment["LOSSGUARD_PROBE_DEVICE"] = device
    if device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = "-1"
    with tempfile.TemporaryDirectory(prefix="lossguard-probe-") as workdir:
        output = Path(workdir) / "result.json"
        command = [sys.executable, "-m", "lossguard.probe.harness", str(script.resolve()), str(output)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
            preexec_fn=_limits(device) if os.name == "posix" else None,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return {"status": "timeout", "error": f"the script did not reach fit() within {timeout:g} s"}
        if output.exists():
            try:
                loaded: HarnessResult = json.loads(output.read_text(encoding="utf-8"))
                return loaded
            except ValueError:
                pass
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-6:]
        reason = f"exit status {process.returncode}"
        if process.returncode and process.returncode < 0:
            reason = f"killed by signal {-process.returncode} (out of memory?)"
        return {
            "status": "crashed",
            "error": f"the probe process ended ({reason})",
            "traceback": "\n".join(tail),
        }


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.communicate()


def observe(source: SourceText, *, timeout: float, device: str) -> Observed:
    """Run the probe on one script or notebook (its code cells as one script)."""
    ensure_available()
    if source.cells is None:
        outcome = run_harness(Path(source.path), timeout, device)
        return observed(source.path, outcome, source.text)
    with tempfile.TemporaryDirectory(prefix="lossguard-notebook-") as folder:
        script = Path(folder) / (Path(source.path).stem + "_notebook.py")
        script.write_text(source.text, encoding="utf-8")
        outcome = run_harness(script, timeout, device, folder=Path(source.path).parent)
        return observed(source.path, outcome, source.text, str(script.resolve()))


__all__ = ["ProbeUnavailable", "ensure_available", "observe", "run_harness"]
