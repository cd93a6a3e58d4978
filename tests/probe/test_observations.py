"""What only a run shows, and messages a user can act on (real TensorFlow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

SCRIPTS = Path(__file__).parent / "scripts"
pytestmark = [pytest.mark.slow, pytest.mark.probe]


def probe(name: str, *args: str) -> tuple[list[dict], str]:
    result = run_cli("check", str(SCRIPTS / name), "--probe", "--no-cache", "-f", "json", *args)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout), result.stderr


def test_nan_in_the_features_beyond_the_probes_batch_is_lg031() -> None:
    (finding,), _ = probe("nan_beyond_first_batch.py")
    assert (finding["code"], finding["source"]) == ("LG031", "runtime")
    assert "contains NaN or inf" in finding["message"]


def test_softmax_inside_call_with_from_logits_is_lg004() -> None:
    findings, _ = probe("softmax_in_call_from_logits.py")
    assert {(f["code"], f["source"]) for f in findings} == {("LG004", "runtime")}


def test_a_lambda_rescaling_the_softmax_is_lg006() -> None:
    findings, _ = probe("temperature_after_softmax.py")
    assert {(f["code"], f["source"]) for f in findings} == {("LG006", "runtime")}
    assert findings[0]["message"].startswith("Lambda comes after the softmax output")


def test_version_dependent_findings_follow_the_target_keras_not_the_probes() -> None:
    under_keras3, _ = probe("multilabel_accuracy_resolved.py", "--keras-version", "3")
    assert ("LG020", "both") in {(f["code"], f["source"]) for f in under_keras3}
    under_keras23, _ = probe("multilabel_accuracy_resolved.py", "--keras-version", "2.3")
    assert "LG020" not in {f["code"] for f in under_keras23}


def test_argparse_errors_are_quoted_and_probe_args_reach_the_script() -> None:
    findings, _ = probe("argparse_units.py")
    (failed,) = [f for f in findings if f["code"] == "LG901"]
    assert "the following arguments are required: --units" in failed["message"]
    findings, _ = probe("argparse_units.py", "--probe-args", "--units 1")
    assert ("LG003", "runtime") in {(f["code"], f["source"]) for f in findings}


def test_a_crash_names_its_signal_and_quotes_clean_output() -> None:
    (failed,), _ = probe("segfaults.py")
    message = failed["message"]
    assert failed["code"] == "LG901" and "crashed with signal 9 (SIGKILL)" in message
    assert "colour before the crash" in message
    assert "\x1b" not in message and "I0000" not in message


def test_the_probe_says_why_it_did_not_run() -> None:
    stdin = run_cli("check", "-", "--probe", stdin=(SCRIPTS / "clean_binary.py").read_bytes())
    assert "probe not run" in stdin.stderr and "stdin" in stdin.stderr
    source = "from tensorflow import keras\nm = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\nm.compile(loss='mse')\n"
    no_fit = run_cli("check", "-", "--stdin-filename", "x.py", "--probe", stdin=source.encode())
    assert "stdin" in no_fit.stderr


def test_the_probes_notes_are_said_on_stderr() -> None:
    """Pretrained weights are not downloaded: the user is told the probe built the model without them."""
    _, stderr = probe("downloads_weights.py")
    assert "built with weights=None (no downloads in the probe)" in stderr
    assert "lossguard: " in stderr and "downloads_weights.py: probe: " in stderr
