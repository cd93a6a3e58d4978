"""The probe's child process: run a user's script up to its first ``fit()`` and report facts.

Run as ``python -m lossguard.probe.harness SCRIPT OUT.json``. ``sandbox`` blocks the network
and downloads, ``synthetic`` stands in for missing data folders, ``intercept`` catches compile,
fit and saving, ``observe`` takes the facts at fit; the result is written as the JSON of
``protocol`` and the parent (``runner.py``) turns it into facts.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import time
import traceback
from typing import Any

from lossguard.probe.context import RUN, write_result
from lossguard.probe.intercept import PatchOnImport, ProbeDone, no_op_saves, patch_keras_namespace
from lossguard.probe.observe import device
from lossguard.probe.sandbox import NoShell, WriteGuard, guard_network, patch_downloads
from lossguard.probe.synthetic import patch_directory_loaders


class _Tail(io.TextIOBase):
    """stderr that passes everything through and remembers the last few KB."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.kept = ""

    def write(self, text: str) -> int:
        self.kept = (self.kept + text)[-4000:]
        return int(self.stream.write(text) or 0)

    def flush(self) -> None:
        self.stream.flush()

    def text(self) -> str:
        return self.kept


def _limit_gpu_memory() -> None:
    """On a GPU: memory growth (take what the step needs, not the whole card), and a hard cap
    when LOSSGUARD_PROBE_GPU_MEMORY_MB says so. RLIMIT_AS cannot apply there (CUDA maps the
    card's memory into the address space)."""
    with contextlib.suppress(Exception):
        import tensorflow as tf

        cap = os.environ.get("LOSSGUARD_PROBE_GPU_MEMORY_MB")
        for gpu in tf.config.list_physical_devices("GPU"):
            if cap:
                config = tf.config.LogicalDeviceConfiguration(memory_limit=int(cap))
                tf.config.set_logical_device_configuration(gpu, [config])
            else:
                tf.config.experimental.set_memory_growth(gpu, True)


def _patch(module: Any, prefix: str) -> None:
    RUN.original_steps[prefix] = (module.Model, module.Model.train_on_batch)
    patch_keras_namespace(module, prefix)
    no_op_saves(module)
    patch_downloads(prefix)
    patch_directory_loaders(module, prefix)


def _setup() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    guard_network()
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")
    if legacy:
        import tf_keras

        _patch(tf_keras, "tf_keras")
    else:  # patched when the script imports it itself (import tf_keras as keras)
        sys.meta_path.insert(0, PatchOnImport("tf_keras", lambda module: _patch(module, "tf_keras")))
    try:
        import keras

        if int(str(keras.__version__).split(".")[0]) >= 3:
            _patch(keras, "keras")
            with contextlib.suppress(ImportError):
                import keras._tf_keras.keras
    except ImportError:
        if not legacy:
            raise
    RUN.timing["import"] = time.perf_counter()
    if os.environ.get("LOSSGUARD_PROBE_DEVICE") == "gpu" and device() == "CPU":
        raise RuntimeError("--probe-device gpu: TensorFlow sees no GPU here (use auto or cpu)")
    _limit_gpu_memory()
    scratch = os.environ.get("LOSSGUARD_PROBE_SCRATCH")
    if scratch:
        WriteGuard(scratch).install()
    from lossguard.probe.children import patch_spawn

    patch_spawn()  # spawned children get the guards too, and stop at their first fit


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m lossguard.probe.harness SCRIPT OUT.json", file=sys.stderr)
        return 2
    RUN.script, RUN.output = os.path.abspath(argv[1]), argv[2]
    try:
        _setup()
    except Exception as exc:
        write_result(
            {
                "status": "error",
                "stage": "import",
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
            }
        )
        return 0
    sys.argv = [RUN.script, *json.loads(os.environ.get("LOSSGUARD_PROBE_ARGS", "[]"))]
    stderr_tail = _Tail(sys.stderr)  # argparse's own error is the reason to quote
    sys.stderr = stderr_tail
    sys.path.insert(0, os.environ.get("LOSSGUARD_PROBE_FOLDER") or os.path.dirname(RUN.script))
    try:
        shell = NoShell()
        notebook = {"get_ipython": lambda: shell} if os.environ.get("LOSSGUARD_PROBE_NOTEBOOK") else {}
        runpy.run_path(RUN.script, init_globals=notebook, run_name="__main__")
    except ProbeDone:
        return 0
    except SystemExit as exc:
        said = [line for line in stderr_tail.text().strip().splitlines() if line.strip()][-2:]
        write_result(
            {
                "status": "error",
                "stage": "script",
                "error": f"the script exited (SystemExit: {exc.code}) before fit()"
                + (": " + " / ".join(said) if said else ""),
                "traceback": "",
            }
        )
        return 0
    except BaseException as exc:
        tail = traceback.format_exception(type(exc), exc, exc.__traceback__)
        write_result(
            {
                "status": "error",
                "stage": "script",
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": "".join(tail)[-2000:],
            }
        )
        return 0
    write_result({"status": "no-fit", "error": "the script finished without calling fit()"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
