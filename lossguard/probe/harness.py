"""The probe's child process: run a user's script up to its first ``fit()`` and report facts.

Run as ``python -m lossguard.probe.harness SCRIPT OUT.json``. ``sandbox`` blocks the network
and downloads, ``synthetic`` stands in for missing data folders, ``intercept`` catches compile,
fit and saving, ``observe`` takes the facts at fit; the result is written as the JSON of
``protocol`` and the parent (``runner.py``) turns it into facts.
"""

from __future__ import annotations

import contextlib
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
    scratch = os.environ.get("LOSSGUARD_PROBE_SCRATCH")
    if scratch:
        WriteGuard(scratch).install()


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
    sys.path.insert(0, os.environ.get("LOSSGUARD_PROBE_FOLDER") or os.path.dirname(RUN.script))
    try:
        shell = NoShell()
        notebook = {"get_ipython": lambda: shell} if os.environ.get("LOSSGUARD_PROBE_NOTEBOOK") else {}
        runpy.run_path(RUN.script, init_globals=notebook, run_name="__main__")
    except ProbeDone:
        return 0
    except SystemExit as exc:
        write_result(
            {
                "status": "error",
                "stage": "script",
                "error": f"the script exited (SystemExit: {exc.code}) before fit()",
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
