"""The probe's parent side: a fact source that runs the script in a child process.

This module never imports TensorFlow: the child (``harness.py``) does. ``observe`` returns the
same facts the static extractor produces (via ``translate.py``) plus tool diagnostics; the
engine runs the rules, merges and filters them like any other findings.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lossguard.facts import Observed
from lossguard.probe.process import ending_on_signals, isolated, namespaces_available, running
from lossguard.probe.protocol import HarnessResult
from lossguard.probe.sandbox import readable_view
from lossguard.probe.translate import clean_log, observed
from lossguard.reading.sources import SourceError, SourceText, read_guarded

MEMORY_FRACTION = 0.5  # of physical memory, for the probe's child (LOSSGUARD_PROBE_MEMORY_FRACTION)


class ProbeUnavailable(Exception):
    """TensorFlow/Keras is not installed: the probe cannot run (a usage error)."""


def ensure_available() -> None:
    memory_fraction()  # a bad setting is refused before anything runs
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


def memory_fraction() -> float:
    """``LOSSGUARD_PROBE_MEMORY_FRACTION``, checked: a value that is not a number in (0, 1]
    (``abc``, ``nan``, ``0``, ``-1``) is refused, never read as "no limit"."""
    raw = os.environ.get("LOSSGUARD_PROBE_MEMORY_FRACTION", "").strip()
    if not raw:
        return MEMORY_FRACTION
    try:
        fraction = float(raw)
    except ValueError:
        fraction = float("nan")
    if not 0 < fraction <= 1:  # nan fails both comparisons
        raise ProbeUnavailable(
            f"LOSSGUARD_PROBE_MEMORY_FRACTION={raw!r}: expected a number greater than 0 and at most 1 "
            f"(the share of physical memory the probe may use; default {MEMORY_FRACTION})"
        )
    return fraction


def memory_limit() -> int | None:
    """Bytes of address space for the child: a fraction of this machine's physical memory."""
    fraction = memory_fraction()
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return int(physical * fraction)


def _limits(device: str) -> Any:
    limit = memory_limit()

    def apply() -> None:
        # CUDA maps the GPU's memory into the address space: there TensorFlow's own limits
        # (memory growth) apply instead of RLIMIT_AS.
        if limit is None or (device != "cpu" and _gpu_present()):
            return
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_harness(
    script: Path, timeout: float, device: str = "auto", folder: Path | None = None, args: Sequence[str] = ()
) -> HarnessResult:
    """Run one script under the harness; always returns a result (never raises, never leaves a
    process behind: see ``process.py``).

    ``folder`` is the folder the script belongs to (a notebook's, when the script is the
    notebook's code written to a temporary file): the working directory shows it for reading.
    """
    visible = (folder or script.parent).resolve()
    environment = dict(os.environ)
    if folder is not None:  # a notebook's code: a get_ipython() that does nothing
        environment["LOSSGUARD_PROBE_NOTEBOOK"] = "1"
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    environment.update(
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        PYTHONPATH=package_root + os.pathsep + environment.get("PYTHONPATH", ""),
        LOSSGUARD_PROBE_DEVICE=device,
        LOSSGUARD_PROBE_FOLDER=str(visible),
        LOSSGUARD_PROBE_ARGS=json.dumps(list(args)),
        TF_FORCE_GPU_ALLOW_GROWTH="true",
    )
    if device == "cpu":
        environment["CUDA_VISIBLE_DEVICES"] = "-1"
    with ending_on_signals(), tempfile.TemporaryDirectory(prefix="lossguard-probe-") as workdir:
        scratch = Path(workdir) / "cwd"
        (scratch / "tmp").mkdir(parents=True)
        readable_view(visible, scratch)
        environment.update(
            LOSSGUARD_PROBE_SCRATCH=str(scratch),
            TMPDIR=str(scratch / "tmp"),
        )
        output = Path(workdir) / "result.json"
        command = [sys.executable, "-m", "lossguard.probe.harness", str(script.resolve()), str(output)]
        shell = namespaces_available()
        if shell:
            read_only = [visible, Path.cwd().resolve(), script.resolve().parent]
            command = isolated(command, read_only, writable=[Path(workdir).resolve()])
        with running(command, env=environment, cwd=scratch, limits=_limits(device)) as child:
            status = child.wait(timeout)
        result = _read(output)
        if result is not None:
            return result  # written before the end, even when something it started lingered
        if status is None:
            return {"status": "timeout", "error": f"the script did not reach fit() within {timeout:g} s"}
        if shell and status > 128:
            status = 128 - status  # the shell's 128+n: the script died of signal n
        return _crashed(status, child.err.text())


MAX_RESULT_BYTES = 50_000_000  # the child's report; the script could put anything there


def _read(output: Path) -> HarnessResult | None:
    """The child's report, read with the guarded reader: the script may have left a FIFO or a
    link to /dev/zero in its place."""
    try:
        loaded: HarnessResult = json.loads(read_guarded(output, MAX_RESULT_BYTES).decode("utf-8"))
    except (SourceError, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _crashed(status: int, stderr: str) -> HarnessResult:
    tail = clean_log(stderr).strip().splitlines()[-6:]
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.valid_signals() else str(-status)
        reason = f"crashed with signal {-status} ({name})"
    else:
        reason = f"exit status {status}"
    return {"status": "crashed", "error": f"the probe process ended ({reason})", "traceback": "\n".join(tail)}


def observe(source: SourceText, *, timeout: float, device: str, args: Sequence[str] = ()) -> Observed:
    """Run the probe on one script or notebook (its code cells as one script)."""
    ensure_available()
    if source.cells is None:
        outcome = run_harness(Path(source.path), timeout, device, args=args)
        return observed(source.path, outcome, source.text)
    with ending_on_signals(), tempfile.TemporaryDirectory(prefix="lossguard-notebook-") as folder:
        script = Path(folder) / (Path(source.path).stem + "_notebook.py")
        script.write_text(source.text, encoding="utf-8")
        outcome = run_harness(script, timeout, device, folder=Path(source.path).parent, args=args)
        return observed(source.path, outcome, source.text, str(script.resolve()))


__all__ = ["ProbeUnavailable", "ensure_available", "observe", "run_harness"]
