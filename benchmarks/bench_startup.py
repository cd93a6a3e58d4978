"""Start-up of a one-file check, as a ratio to ``python -c "import libcst"`` (target: <= 1.5x).

Runs, interleaved N times so that a busy machine slows every command alike:

- ``python -c "import libcst"`` (the yardstick: a check cannot start faster than its parser),
- ``python -m lossguard check FILE --no-cache -q`` with this checkout's lossguard,
- the same with the lossguard of each ``--baseline PATH`` (another checkout, e.g. made with
  ``git worktree add /tmp/base-1a3a23f 1a3a23f``), put first on PYTHONPATH.

Every command runs from an empty folder, so that neither checkout is found through the working
directory, and every checkout is byte-compiled first, as an installed wheel is (this workplace
sets PYTHONDONTWRITEBYTECODE). Prints the median of each command, the ratio of the medians to
the yardstick and the median of the per-round ratios (each round's commands ran back to back).

Usage: python benchmarks/bench_startup.py [--runs 15] [--file PATH] [--baseline PATH ...] [--json]
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
FILE = ROOT / "fixtures" / "seed004_mnist_binary_crossentropy.py"


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    quiet = subprocess.DEVNULL
    subprocess.run(command, cwd=cwd, env=env, stdout=quiet, stderr=quiet, check=False)
    return time.perf_counter() - start


def checkout_env(checkout: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(checkout), env.get("PYTHONPATH", "")) if p)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, default=FILE)
    parser.add_argument("--baseline", type=Path, action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    checkouts = {"this checkout": ROOT, **{str(path): path.resolve() for path in args.baseline}}
    for checkout in checkouts.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "lossguard")], check=False)
    check = [sys.executable, "-m", "lossguard", "check", str(args.file.resolve()), "--no-cache", "-q"]
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "import libcst": ([sys.executable, "-c", "import libcst"], dict(os.environ)),
        **{f"check ({name})": (check, checkout_env(path)) for name, path in checkouts.items()},
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="lossguard-bench-startup-") as empty:
        for command, env in commands.values():  # warm the page cache once, untimed
            timed(command, Path(empty), env)
        for _ in range(args.runs):
            for name, (command, env) in commands.items():
                times[name].append(timed(command, Path(empty), env))

    yardstick = times["import libcst"]
    figures = {
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "runs": args.runs,
        "file": str(args.file),
        "median_s": {name: statistics.median(values) for name, values in times.items()},
        "ratio_of_medians": {
            name: statistics.median(values) / statistics.median(yardstick) for name, values in times.items()
        },
        "median_paired_ratio": {
            name: statistics.median(v / y for v, y in zip(values, yardstick, strict=True))
            for name, values in times.items()
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"machine: {figures['cpu_count']} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"{args.runs} interleaved runs; file {args.file.name}"
    )
    for name in times:
        print(
            f"{name:<40} median {figures['median_s'][name]:.3f} s  "  # type: ignore[index]
            f"ratio {figures['ratio_of_medians'][name]:.2f}x  "  # type: ignore[index]
            f"paired {figures['median_paired_ratio'][name]:.2f}x"  # type: ignore[index]
        )
    print("target: check (this checkout) <= 1.5x import libcst")


if __name__ == "__main__":
    main()
