"""Static-checker performance, measured as ratios within one run (machines are noisy).

1. Start-up: ``lossguard check one_file.py`` wall time vs ``python -c "import libcst"``
   (target: within 1.5x), median of N runs each, interleaved.
2. A large real tree: ``keras/src`` from the keras wheel (``pip download --no-deps keras``),
   cold (``--no-cache``) and warm (cache filled), against ``ast.parse`` of the same files in one
   process as the yardstick (target: cold under 3 s on a 2-core machine, warm under 0.3 s).
3. Following project imports: the same cold check with ``--follow-imports`` (the default) vs
   ``--no-follow-imports``, interleaved, on a generated project (training scripts that import
   their models from a package of the project, so every one of them follows imports) and on
   each ``--project PATH`` given (target: within 1.2x).

Usage: python benchmarks/bench_static.py [--runs 7] [--tree PATH] [--keras-version 3.15.1]
       [--project PATH ...]
Prints a small table; add --json to get machine-readable figures.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "fixtures" / "seed004_mnist_binary_crossentropy.py"


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def lossguard(*args: str) -> list[str]:
    return [sys.executable, "-m", "lossguard", *args]


def keras_tree(version: str) -> Path:
    cache = Path(tempfile.gettempdir()) / f"lossguard-bench-keras-{version}"
    tree = cache / "keras" / "src"
    if tree.is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", f"keras=={version}", "-d", str(cache)],
        check=True,
    )
    wheel = next(cache.glob("keras-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(cache)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", type=Path)
    parser.add_argument("--keras-version", default="3.15.1")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--project", type=Path, action="append", default=[])
    args = parser.parse_args()

    # Byte-compile as an installed wheel would be (this workplace sets PYTHONDONTWRITEBYTECODE).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "lossguard")], check=False)
    env_note = os.environ.get("PYTHONDONTWRITEBYTECODE")

    startup, baseline = [], []
    for _ in range(args.runs):
        baseline.append(timed([sys.executable, "-c", "import libcst"]))
        startup.append(timed(lossguard("check", str(FILE), "--no-cache", "-q")))
    figures: dict[str, object] = {
        "cpu_count": os.cpu_count(),
        "single_file_s": statistics.median(startup),
        "import_libcst_s": statistics.median(baseline),
    }
    figures["single_file_ratio"] = figures["single_file_s"] / figures["import_libcst_s"]  # type: ignore[operator]

    tree = args.tree or keras_tree(args.keras_version)
    files = sorted(tree.rglob("*.py"))
    start = time.perf_counter()
    for path in files:
        with contextlib.suppress(SyntaxError):
            ast.parse(path.read_bytes())
    figures["tree_files"] = len(files)
    figures["tree_mb"] = sum(p.stat().st_size for p in files) / 1e6
    figures["ast_parse_all_s"] = time.perf_counter() - start

    work = Path(tempfile.mkdtemp(prefix="lossguard-bench-"))
    copy = work / "src"
    shutil.copytree(tree, copy)
    check = lossguard("check", "src", "-q", "--exit-zero", "--keras-version", "3")
    cold = [timed([*check, "--no-cache"], cwd=work) for _ in range(3)]
    timed(check, cwd=work)  # fill the cache
    warm = [timed(check, cwd=work) for _ in range(args.runs)]
    shutil.rmtree(work, ignore_errors=True)
    figures["tree_cold_s"] = statistics.median(cold)
    figures["tree_warm_s"] = statistics.median(warm)
    figures["tree_cold_vs_ast"] = figures["tree_cold_s"] / figures["ast_parse_all_s"]  # type: ignore[operator]

    with tempfile.TemporaryDirectory(prefix="lossguard-bench-project-") as generated:
        write_project(Path(generated))
        following = {"generated project": follow_ratio(Path(generated), args.runs)}
        for project in args.project:
            following[str(project)] = follow_ratio(project, max(3, args.runs // 2))
    figures["follow_imports"] = following

    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"machine: {figures['cpu_count']} CPUs "
        f"(PYTHONDONTWRITEBYTECODE={env_note!r}; package byte-compiled first)"
    )
    print(
        f"single file: lossguard check {FILE.name}: {figures['single_file_s']:.3f} s "
        f"vs python -c 'import libcst': {figures['import_libcst_s']:.3f} s "
        f"-> {figures['single_file_ratio']:.2f}x (target <= 1.5x)"
    )
    print(f"tree: {figures['tree_files']} files, {figures['tree_mb']:.1f} MB ({tree})")
    print(f"  ast.parse of every file, one process: {figures['ast_parse_all_s']:.2f} s (yardstick)")
    print(
        f"  lossguard cold (--no-cache):            {figures['tree_cold_s']:.2f} s "
        f"({figures['tree_cold_vs_ast']:.2f}x ast.parse; target < 3 s)"
    )
    print(f"  lossguard warm (cache):                 {figures['tree_warm_s']:.2f} s (target < 0.3 s)")
    for name, (on, off) in following.items():
        print(
            f"follow imports, {name}: {on:.2f} s vs --no-follow-imports {off:.2f} s "
            f"-> {on / off:.2f}x (target <= 1.2x)"
        )


MODEL_MODULE = """from tensorflow import keras

from .blocks import stack


def build_{index}(classes, width={width}):
    inputs = keras.Input((32,))
    outputs = keras.layers.Dense(classes, activation="softmax")(stack(inputs, width))
    return keras.Model(inputs, outputs)
"""
BLOCKS = """from tensorflow import keras


def stack(x, width):
    for _ in range(3):
        x = keras.layers.Dense(width, activation="relu")(x)
    return x
"""
SCRIPT = """import numpy as np
from tensorflow import keras

from models.net_{module} import build_{module}

x = np.random.rand(256, 32)
y = np.random.randint(0, 10, 256)
model = build_{module}(10)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
model.fit(x, y, epochs={epochs}, batch_size=32, validation_split=0.2, callbacks=[stop])
"""


def write_project(root: Path, scripts: int = 120, modules: int = 12) -> None:
    """Training scripts that each import their model from a package of the project; each also
    names Keras itself, so that both modes analyse it and the ratio is the cost of following."""
    package = root / "models"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(BLOCKS)
    for index in range(modules):
        (package / f"net_{index}.py").write_text(MODEL_MODULE.format(index=index, width=16 * (index + 1)))
    for number in range(scripts):
        (root / f"train_{number}.py").write_text(SCRIPT.format(module=number % modules, epochs=number + 1))


def follow_ratio(tree: Path, runs: int) -> tuple[float, float]:
    """Median cold check time with and without following imports, runs interleaved."""
    check = lossguard("check", ".", "-q", "--exit-zero", "--no-cache", "--keras-version", "3")
    on, off = [], []
    for _ in range(runs):
        on.append(timed([*check, "--follow-imports"], cwd=tree))
        off.append(timed([*check, "--no-follow-imports"], cwd=tree))
    return statistics.median(on), statistics.median(off)


if __name__ == "__main__":
    main()
