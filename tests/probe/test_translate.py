"""The probe's JSON → facts → findings, without TensorFlow: recorded harness results.

``python -m tests.probe.record`` re-records them with the real harness; these tests run
everywhere (no ``probe`` mark) and pin what the parent makes of the child's answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossguard.facts import Source
from lossguard.probe.protocol import VERSION
from lossguard.probe.translate import observed
from lossguard.rules import run_rules
from tests.conftest import ROOT

HERE = Path(__file__).parent
SCRIPTS = HERE / "scripts"


def recorded(name: str) -> dict:
    return json.loads((HERE / "recorded" / f"{name}.json").read_text().replace("{ROOT}", str(ROOT)))


def script_of(name: str) -> Path:
    return SCRIPTS / (name.removesuffix("_tf_keras") + ".py")


def codes(name: str, result: dict | None = None) -> list[str]:
    script = script_of(name)
    seen = observed(str(script), result or recorded(name), script.read_text(), str(script))
    found = [f.code for f in run_rules(seen.facts, lambda code: True)] if seen.facts else []
    return sorted(found + [d.code for d in seen.diagnostics])


@pytest.mark.parametrize(
    "name, expected",
    [
        ("subclassed_softmax_bce", ["LG001"]),
        ("callbacks_dynamic_metrics", ["LG022"]),
        ("missing_data_image_dataset", ["LG030"]),
        ("multi_output_dict", ["LG001"]),
        ("clean_binary", []),
        ("multilabel_accuracy_resolved_tf_keras", ["LG020"]),
        ("crashes_before_fit", ["LG901"]),
    ],
)
def test_recorded_result_gives_the_findings(name: str, expected: list[str]) -> None:
    assert codes(name) == expected


def test_facts_are_runtime_facts_with_the_scripts_lines() -> None:
    script = script_of("subclassed_softmax_bce")
    seen = observed(str(script), recorded("subclassed_softmax_bce"), script.read_text())
    assert seen.facts is not None
    (setup,) = seen.facts.setups
    assert setup.source is Source.RUNTIME and setup.loss is not None and setup.head is not None
    assert setup.loss.location.line == setup.compile_location.line > 1
    assert setup.head.units == 5  # Dense(5, softmax) in the subclassed model


def test_synthetic_labels_are_named_in_the_message() -> None:
    script = script_of("missing_data_image_dataset")
    seen = observed(str(script), recorded("missing_data_image_dataset"), script.read_text())
    (finding,) = run_rules(seen.facts, lambda code: True)
    assert "synthetic" in finding.message


def test_a_crash_points_at_the_users_line_without_the_probes_frames() -> None:
    script = script_of("crashes_before_fit")
    seen = observed(str(script), recorded("crashes_before_fit"), script.read_text(), str(script))
    (diagnostic,) = seen.diagnostics
    assert diagnostic.location.line == 8
    assert "KeyError: 'epochs_total'" in diagnostic.message
    assert "lossguard/probe" not in diagnostic.message and "runpy" not in diagnostic.message


def test_tf_keras_target_is_read_from_the_result() -> None:
    seen = observed("x.py", recorded("multilabel_accuracy_resolved_tf_keras"))
    assert seen.facts is not None and seen.facts.keras is not None
    assert seen.facts.keras.label.startswith("tf_keras")


@pytest.mark.parametrize(
    "result, says",
    [
        ({"status": "timeout", "error": "the script did not reach fit() within 10 s"}, "within 10 s"),
        ({"status": "no-fit", "error": "the script finished without calling fit()"}, "without calling fit()"),
        (
            {"status": "crashed", "error": "the probe process ended (exit status 3)", "traceback": ""},
            "exit status 3",
        ),
    ],
)
def test_failures_become_lg901(result: dict, says: str) -> None:
    seen = observed("x.py", result)
    (diagnostic,) = seen.diagnostics
    assert seen.facts is None and diagnostic.code == "LG901" and says in diagnostic.message


def test_a_result_of_another_protocol_version_is_refused_not_misread() -> None:
    result = {**recorded("subclassed_softmax_bce"), "version": VERSION + 1}
    (diagnostic,) = observed("x.py", result).diagnostics
    assert "protocol" in diagnostic.message


def test_a_failed_step_is_reported_only_when_no_rule_explains_it() -> None:
    result = {**recorded("clean_binary"), "step_error": "InvalidArgumentError: labels out of range"}
    seen = observed(str(script_of("clean_binary")), result)
    assert seen.unexplained is not None and "labels out of range" in seen.unexplained.message


def test_the_probes_notes_are_kept() -> None:
    """What the probe did instead of what the script asked (here: a synthetic batch for a
    missing data folder) travels with the facts, to be said to the user."""
    script = script_of("missing_data_image_dataset")
    seen = observed(str(script), recorded("missing_data_image_dataset"), script.read_text())
    assert seen.facts is not None
    assert seen.facts.notes == (
        "image_dataset_from_directory(): the data folder is missing, the probe used a synthetic batch",
    )
