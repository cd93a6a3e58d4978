"""Engine behaviour that is easier to pin down in-process."""

from __future__ import annotations

import pytest

from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from tests.conftest import FIXTURES


def options() -> CheckOptions:
    return CheckOptions(Settings(), parse_target("3"), use_cache=False)


def test_an_internal_error_is_reported_for_that_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import lossguard.static.extract as extract_module

    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(extract_module, "extract", broken)
    monkeypatch.delenv("LOSSGUARD_DEBUG", raising=False)
    source = (FIXTURES / "seed004_mnist_binary_crossentropy.py").read_bytes()
    result = check_source("train.py", source, options())
    assert [f.code for f in result.findings] == ["LG903"]  # reported, never a silent pass
    assert result.internal_error
    assert result.error == "internal error, please report it: RuntimeError: boom"


def test_prefilter_skips_without_parsing() -> None:
    result = check_source("util.py", b"import os\nprint(os.getcwd())\n", options())
    assert result.skipped and result.findings == []


def test_findings_are_sorted_and_deduplicated() -> None:
    source = (FIXTURES / "seed000_bird_transfer_learning.py").read_bytes()
    findings = check_source("bird.py", source, options()).findings
    keys = [(f.location.line, f.location.column, f.code) for f in findings]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_the_probes_notes_reach_the_file_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI prints FileResult.notes on stderr: the probe's notes must get there (no TensorFlow
    here: the probe's answer is given)."""
    import lossguard.probe.runner as runner
    from lossguard.facts import ModuleFacts, Observed
    from lossguard.pipeline.engine import ProbeOptions

    note = "InceptionV3(weights='imagenet') built with weights=None (no downloads in the probe)"
    monkeypatch.setattr(
        runner, "observe", lambda source, **_: Observed(ModuleFacts(source.path, notes=(note,)))
    )
    probing = options()
    probing.probe = ProbeOptions()
    result = check_source(
        "train.py", (FIXTURES / "seed004_mnist_binary_crossentropy.py").read_bytes(), probing
    )
    assert result.notes == [f"probe: {note}"]
