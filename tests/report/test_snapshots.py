"""Each output format rendered from one fixed Report, against a golden file in ``snapshots/``.

The Report is built by hand (no engine, no rule docs' wording), so a snapshot changes only when
a reporter does: an error with related lines and a safe fix, an unsafe fix, a notebook cell, a
finding the probe confirmed, one only the probe saw, a skipped file and one not checked.
``python -m pytest tests/report --update-snapshots`` rewrites them; review the diff.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lossguard.facts import Location, Source
from lossguard.findings import (
    Applicability,
    Autofix,
    Edit,
    FileResult,
    Finding,
    Related,
    Report,
    Severity,
    parts,
)
from lossguard.report import github, sarif, text
from lossguard.report import json as json_report

SNAPSHOTS = Path(__file__).parent / "snapshots"
TRAIN = "src/train.py"
NOTEBOOK = "notebooks/explore.ipynb"


def report() -> Report:
    head = Location(TRAIN, 8, 5, 8, 52)
    loss = Location(TRAIN, 9, 38, 9, 59)
    softmax_bce = Finding(
        code="LG001",
        name="softmax-binary-crossentropy",
        severity=Severity.ERROR,
        parts=parts("softmax output (Dense(5, softmax) at ", head, ") is trained with binary_crossentropy"),
        location=loss,
        related=(Related(head, "output layer"),),
        fix="use loss='categorical_crossentropy'",
        autofix=Autofix(
            Applicability.UNSAFE,
            "loss='categorical_crossentropy'",
            (Edit(Location(TRAIN, 9, 39, 9, 58), "categorical_crossentropy"),),
        ),
    )
    monitor = Finding(
        code="LG022",
        name="monitor-key-mismatch",
        severity=Severity.WARNING,
        parts=parts("EarlyStopping(monitor='val_acc') watches a key that is never logged"),
        location=Location(TRAIN, 11, 14, 11, 45),
        fix="monitor='val_accuracy'",
        source=Source.BOTH,
        autofix=Autofix(
            Applicability.SAFE,
            "monitor='val_accuracy'",
            (Edit(Location(TRAIN, 11, 37, 11, 44), "val_accuracy"),),
        ),
    )
    out_of_range = Finding(
        code="LG030",
        name="labels-out-of-range",
        severity=Severity.ERROR,
        parts=parts("the labels reach 10 but the output has 10 units (0-9): 100% of a synthetic batch"),
        location=Location(TRAIN, 12, 1, 12, 30),
        source=Source.RUNTIME,
    )
    in_a_cell = Finding(
        code="LG002",
        name="sigmoid-categorical-crossentropy",
        severity=Severity.WARNING,
        parts=parts(
            "sigmoid output (",
            Location(NOTEBOOK, 14, 5, cell=3, cell_line=2),
            ") with categorical_crossentropy",
        ),
        location=Location(NOTEBOOK, 16, 38, 16, 62, cell=3, cell_line=4),
        fix="use activation='softmax'",
    )
    lines = {
        TRAIN: {
            8: "    keras.layers.Dense(5, activation='softmax'),",
            9: "model.compile(optimizer='adam', loss='binary_crossentropy')",
            11: "stop = EarlyStopping(monitor='val_acc', mode='max')",
            12: "model.fit(x, y, callbacks=[stop])",
        },
        NOTEBOOK: {16: "model.compile(optimizer='adam', loss='categorical_crossentropy')"},
    }
    return Report(
        [
            FileResult(TRAIN, [softmax_bce, monitor, out_of_range], lines={TRAIN: lines[TRAIN]}),
            FileResult(NOTEBOOK, [in_a_cell], lines={NOTEBOOK: lines[NOTEBOOK]}),
            FileResult("src/utils.py", skipped=True),
            FileResult("src/broken.py", error="could not analyse: recursion too deep"),
        ]
    )


def plain(show_source: bool = False, statistics: bool = False) -> str:
    buffer = io.StringIO()
    text.render(
        text.Writer(buffer, colour=False),
        report(),
        show_source=show_source,
        statistics=statistics,
        quiet=False,
    )
    return buffer.getvalue()


def sarif_stable() -> str:
    """SARIF without what belongs to the rule docs or the machine (each checked here instead):
    the rule descriptors, the version, the checkout's URI."""
    data = json.loads(sarif.render(report()))
    (run,) = data["runs"]
    rules = run["tool"]["driver"].pop("rules")
    for result in run["results"]:
        assert rules[result.pop("ruleIndex")]["id"] == result["ruleId"]
    assert run["tool"]["driver"].pop("version") == run["tool"]["driver"].pop("semanticVersion")
    assert run.pop("originalUriBaseIds")["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATS = {
    "text.txt": plain,
    "text-show-source.txt": lambda: plain(show_source=True),
    "text-statistics.txt": lambda: plain(statistics=True),
    "json.json": lambda: json_report.render(report()),
    "github.txt": lambda: github.render(report()),
    "sarif.json": sarif_stable,
}


@pytest.mark.parametrize("name", FORMATS)
def test_format_matches_snapshot(name: str, update_snapshots: bool) -> None:
    rendered = FORMATS[name]()
    golden = SNAPSHOTS / name
    if update_snapshots:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no snapshot yet: python -m pytest {__file__} --update-snapshots"
    assert rendered == golden.read_text(encoding="utf-8")


def test_every_format_has_a_snapshot() -> None:
    assert {p.name for p in SNAPSHOTS.iterdir()} == set(FORMATS)
