"""The runtime probe with real TensorFlow on tiny models (CPU here; GPU where one is visible).

Each script builds its model where static analysis cannot see it (subclassed models, layers
from configs and loops, metrics built dynamically), so the findings come from the probe.
Set LOSSGUARD_SKIP_PROBE=1 to skip these on a machine without TensorFlow; CI never does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lossguard.rules.docs import load_docs
from tests.conftest import ROOT, run_cli

SCRIPTS = Path(__file__).parent / "scripts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.probe,
    pytest.mark.skipif(os.environ.get("LOSSGUARD_SKIP_PROBE") == "1", reason="LOSSGUARD_SKIP_PROBE=1"),
]


def probe(script: Path, *args: str, env: dict[str, str] | None = None) -> list[dict]:
    result = run_cli(
        "check", str(script), "--probe", "--no-cache", "-f", "json", "--probe-timeout", "120", *args, env=env
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


def found(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["code"], f["source"]) for f in findings}


# Subclassed models whose call() is a straight chain are read statically too (both).
KERAS3_CASES = {
    "subclassed_softmax_bce.py": {("LG001", "both")},
    "config_sigmoid_cce.py": {("LG002", "runtime")},
    "config_single_unit_softmax.py": {("LG003", "runtime")},
    "subclassed_sigmoid_from_logits.py": {("LG004", "both")},
    "loop_linear_sparse.py": {("LG005", "runtime")},
    "getattr_batchnorm_after_softmax.py": {("LG006", "runtime")},
    "config_bce_onehot.py": {("LG007", "runtime")},
    "dynamic_units_label_mismatch.py": {("LG010", "runtime")},
    "dynamic_sparse_one_hot.py": {("LG011", "both")},  # the helper's one-hot is read statically now
    "multilabel_accuracy_resolved.py": {("LG020", "both")},
    "regression_accuracy.py": {("LG021", "both")},
    "callbacks_dynamic_metrics.py": {("LG022", "runtime")},
    "subclassed_logits_binary_accuracy.py": {("LG024", "both")},
    "multi_output_dict.py": {("LG001", "runtime")},
    "class_weight_on_loaded_masks.py": {("LG043", "runtime")},
    "clean_binary.py": set(),
}


@pytest.mark.parametrize("name", KERAS3_CASES)
def test_probe_keras3(name: str) -> None:
    assert found(probe(SCRIPTS / name, "--keras-version", "3")) == KERAS3_CASES[name]


TF_KERAS_CASES = {
    "subclassed_softmax_bce.py": {("LG001", "both")},
    "multi_output_dict.py": {("LG001", "runtime")},
    "multilabel_accuracy_resolved.py": {("LG020", "both")},
    "callbacks_dynamic_metrics.py": {("LG022", "runtime")},
    "missing_data_flow_from_directory.py": {("LG002", "both")},
}


@pytest.mark.parametrize("name", TF_KERAS_CASES)
def test_probe_tf_keras(name: str) -> None:
    findings = probe(SCRIPTS / name, env={"TF_USE_LEGACY_KERAS": "1"})
    assert found(findings) == TF_KERAS_CASES[name]
    runtime = [f for f in findings if f["source"] in ("runtime", "both") and "under" in f["message"]]
    assert all("tf_keras" in f["message"] for f in runtime)


RUNTIME_DOCS = [d for d in load_docs().values() if "test: runtime" in d.path.read_text()]


@pytest.mark.parametrize("doc", RUNTIME_DOCS, ids=lambda d: d.code)
def test_runtime_rule_docs_through_the_probe(doc, tmp_path: Path) -> None:
    (bad,) = doc.examples("Example")
    (good,) = doc.examples("Use instead")
    (tmp_path / "example.py").write_text(bad)
    (tmp_path / "fixed.py").write_text(good)
    alone = ("--select", doc.code)  # only this rule: its gate must let the probe run
    assert [f["code"] for f in probe(tmp_path / "example.py", *alone)] == [doc.code]
    assert probe(tmp_path / "fixed.py", *alone) == []


def test_missing_data_uses_a_synthetic_batch() -> None:
    findings = probe(SCRIPTS / "missing_data_flow_from_directory.py")
    assert found(findings) == {("LG002", "both")}
    findings = probe(SCRIPTS / "missing_data_image_dataset.py")
    codes = {f["code"]: f for f in findings}
    assert "LG901" not in codes
    assert codes["LG030"]["source"] == "runtime"
    assert "synthetic" in codes["LG030"]["message"]


def test_script_that_crashes_before_fit_keeps_static_findings() -> None:
    findings = probe(SCRIPTS / "crashes_before_fit.py")
    by_code = {f["code"]: f for f in findings}
    assert set(by_code) == {"LG003", "LG901"}
    assert by_code["LG003"]["source"] == "static"
    failed = by_code["LG901"]
    assert failed["line"] == 8 and "KeyError: 'epochs_total'" in failed["message"]


def test_script_that_hangs_is_killed_at_the_timeout() -> None:
    start = time.perf_counter()
    result = run_cli(
        "check",
        str(SCRIPTS / "hangs_forever.py"),
        "--probe",
        "--no-cache",
        "-f",
        "json",
        "--probe-timeout",
        "10",
    )
    elapsed = time.perf_counter() - start
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "LG901" and "within 10 s" in finding["message"]
    assert elapsed < 60  # killed at its 10 s timeout, with room for a loaded machine's start-up


def test_pretrained_download_becomes_weights_none() -> None:
    assert found(probe(SCRIPTS / "downloads_weights.py")) == {("LG002", "both")}


def test_file_download_fails_fast_with_a_clear_message() -> None:
    start = time.perf_counter()
    (finding,) = probe(SCRIPTS / "downloads_file.py")
    assert finding["code"] == "LG901"
    assert "downloads are disabled inside the lossguard probe" in finding["message"]
    assert time.perf_counter() - start < 110  # not the probe's 120 s timeout: it failed at once


def test_saving_is_a_no_op() -> None:
    target = Path(str(SCRIPTS / "saves_model.py") + ".saved.keras")
    findings = probe(SCRIPTS / "saves_model.py")
    assert found(findings) == set()  # ModelCheckpoint without save_best_only never reads its monitor
    assert not target.exists()
    assert not Path(str(target) + ".weights.h5").exists()


def run_harness(script: Path, output: Path, **env: str) -> dict:
    """The harness alone (no containment), for what only its result JSON says."""
    subprocess.run(
        [sys.executable, "-m", "lossguard.probe.harness", str(script), str(output)],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        timeout=300,
        check=True,
    )
    return json.loads(output.read_text())


def test_probe_device_cpu_runs_the_step_on_the_cpu(tmp_path: Path) -> None:
    result = run_harness(SCRIPTS / "clean_binary.py", tmp_path / "result.json", CUDA_VISIBLE_DEVICES="-1")
    assert result["status"] == "ok" and result["device"] == "CPU"
    assert result["metrics_resolved"][0]["class"] == "BinaryAccuracy"
    assert result["timing"]["done"] - result["timing"]["fit"] < 10


GPU_VISIBLE = Path("/dev/nvidia0").exists() and os.environ.get("CUDA_VISIBLE_DEVICES") != "-1"


@pytest.mark.skipif(GPU_VISIBLE, reason="a GPU is visible here")
def test_probe_device_gpu_without_a_gpu_says_so() -> None:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1"}
    (finding,) = probe(SCRIPTS / "clean_binary.py", "--probe-device", "gpu", env=env)
    assert finding["code"] == "LG901"
    assert "--probe-device gpu: TensorFlow sees no GPU here" in finding["message"]
    fix = finding["fix"]["message"]
    assert "--probe-device" in fix and "without its data" not in fix


@pytest.mark.skipif(not GPU_VISIBLE, reason="no GPU visible (runs on a device machine)")
def test_probe_device_gpu_runs_the_step_on_the_gpu_within_a_memory_cap(tmp_path: Path) -> None:
    result = run_harness(
        SCRIPTS / "clean_binary.py",
        tmp_path / "result.json",
        LOSSGUARD_PROBE_DEVICE="gpu",
        LOSSGUARD_PROBE_GPU_MEMORY_MB="512",
    )
    assert result["status"] == "ok", result
    assert result["device"].startswith("GPU")
    # and through the whole contained pipeline (namespaces must still see the card)
    assert found(probe(SCRIPTS / "config_sigmoid_cce.py", "--probe-device", "gpu")) == {("LG002", "runtime")}


def test_without_tensorflow_probe_is_a_usage_error(tmp_path: Path) -> None:
    code = (
        "import importlib.util as u\n"
        "real = u.find_spec\n"
        "u.find_spec = lambda name, *a: None if name.split('.')[0] in ('tensorflow', 'keras', 'tf_keras') else real(name, *a)\n"
        "import sys\n"
        f"sys.argv = ['lossguard', 'check', {str(SCRIPTS / 'clean_binary.py')!r}, '--probe', '--no-cache']\n"
        "from lossguard.face.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 2
    assert "pip install 'lossguard[probe]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_notebooks_are_probed_and_mapped_to_cells() -> None:
    (finding,) = probe(SCRIPTS / "notebook_subclassed.ipynb")
    assert (finding["code"], finding["source"]) == ("LG001", "both")
    assert (finding["cell"], finding["cell_line"]) == (3, 2)
    assert "(Dense(4, softmax) at cell 2, line 4)" in finding["message"]


def test_suppressions_hold_for_runtime_findings(tmp_path: Path) -> None:
    """One pipeline: a finding silenced in the source stays silent when the probe finds it."""
    text = (SCRIPTS / "subclassed_softmax_bce.py").read_text()
    silenced = text.replace(
        'metrics=["categorical_accuracy"])', 'metrics=["categorical_accuracy"])  # lossguard: ignore[LG001]'
    )
    assert silenced != text
    (tmp_path / "silenced.py").write_text(silenced)
    assert probe(tmp_path / "silenced.py", "--keras-version", "3", "--report-unused-ignores") == []


def test_fit_generator_callbacks_given_by_position_are_read() -> None:
    findings = probe(SCRIPTS / "fit_generator_positional_callbacks.py", env={"TF_USE_LEGACY_KERAS": "1"})
    assert found(findings) == {("LG022", "runtime")}
