"""Re-record the harness results that ``test_translate.py`` reads (needs TensorFlow).

    python -m tests.probe.record

Runs the real harness on a few probe scripts (Keras 3, and tf_keras where named) and writes
their JSON to ``tests/probe/recorded/``, with this checkout's path replaced by ``{ROOT}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPTS = Path(__file__).parent / "scripts"
RECORDED = Path(__file__).parent / "recorded"
CASES = {
    "subclassed_softmax_bce": {},
    "callbacks_dynamic_metrics": {},
    "missing_data_image_dataset": {},
    "multi_output_dict": {},
    "crashes_before_fit": {},
    "clean_binary": {},
    "multilabel_accuracy_resolved": {"TF_USE_LEGACY_KERAS": "1"},
}


def main() -> None:
    RECORDED.mkdir(exist_ok=True)
    for name, extra in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "result.json"
            env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **extra}
            script = SCRIPTS / f"{name}.py"
            command = [sys.executable, "-m", "lossguard.probe.harness", str(script), str(output)]
            subprocess.run(command, env=env, capture_output=True, timeout=300, check=True)
            result = json.loads(output.read_text())
        result.pop("timing", None)
        text = json.dumps(result, indent=1, sort_keys=True).replace(str(ROOT), "{ROOT}")
        suffix = "_tf_keras" if extra else ""
        (RECORDED / f"{name}{suffix}.json").write_text(text + "\n")
        print(name + suffix, result.get("status"))


if __name__ == "__main__":
    main()
