"""Probe performance: where the time of `lossguard check --probe` goes, for a small script.

Splits one probe run into (a) importing TensorFlow/Keras in the child, (b) the user's own code
up to fit(), (c) the probe's own work (batch, evaluation, one training step, facts), as measured
inside the harness, and reports the whole `lossguard check --probe` wall time around it.
Target for (c): under 1 s. Usage: python benchmarks/bench_probe.py [--runs 3] [--script PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "probe" / "scripts" / "subclassed_softmax_bce.py"


def harness(script: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "result.json"
        subprocess.run(
            [sys.executable, "-m", "lossguard.probe.harness", str(script), str(output)],
            env=env,
            capture_output=True,
            check=True,
        )
        result = json.loads(output.read_text())
    timing = result["timing"]
    return {
        "import_s": timing["import"],
        "user_code_s": timing["fit"] - timing["import"],
        "probe_work_s": timing["done"] - timing["fit"],
        "evaluate_s": timing["evaluated"] - timing["fit"],
        "train_step_s": timing["done"] - timing["evaluated"],
        "device": result.get("device", "?"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--script", type=Path, default=DEFAULT)
    parser.add_argument("--legacy", action="store_true", help="TF_USE_LEGACY_KERAS=1 (tf_keras)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    if args.legacy:
        env["TF_USE_LEGACY_KERAS"] = "1"
    runs = [harness(args.script, env) for _ in range(args.runs)]
    walls = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "lossguard", "check", str(args.script), "--probe", "--no-cache", "-q"],
            env=env,
            capture_output=True,
            check=False,
        )
        walls.append(time.perf_counter() - start)
    keys = ("import_s", "user_code_s", "probe_work_s", "evaluate_s", "train_step_s")
    print(f"script: {args.script.name} ({'tf_keras' if args.legacy else 'Keras 3'}, {runs[0]['device']})")
    for key in keys:
        print(f"  {key:<14} median {statistics.median(r[key] for r in runs):.3f} s")  # type: ignore[misc]
    print(f"  lossguard check --probe wall: median {statistics.median(walls):.2f} s")
    print("  target: probe_work_s < 1 s")


if __name__ == "__main__":
    main()
