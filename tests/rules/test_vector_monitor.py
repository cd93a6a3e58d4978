"""LG022 for a callback watching an F-score of one value per class (F1Score/FBetaScore with the
default average=None): flagged only when the metric, its average and the key are all known."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from lossguard.keras import eras
from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from tests.conftest import check, codes

SCRIPT = """
import numpy as np
from tensorflow import keras

x = np.random.rand(300, 10)
y = keras.utils.to_categorical(np.random.randint(0, 3, 300), 3)
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense({units}, activation="{head}")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[{metrics}])
stop = keras.callbacks.{callback}
model.fit(x, y, {validation}epochs=20, callbacks=[stop])
"""
EARLY = 'EarlyStopping(monitor="val_f1_score", mode="max", patience=3)'


def script(
    metrics: str = "keras.metrics.F1Score()",
    callback: str = EARLY,
    units: int = 3,
    head: str = "softmax",
    validation: str = "validation_split=0.2, ",
) -> str:
    return SCRIPT.format(metrics=metrics, callback=callback, units=units, head=head, validation=validation)


@pytest.mark.parametrize(
    ("metrics", "callback"),
    [
        ("keras.metrics.F1Score()", EARLY),
        ("keras.metrics.F1Score(average=None)", EARLY),
        ("keras.metrics.F1Score(threshold=0.5)", EARLY),
        ("keras.metrics.FBetaScore(beta=2.0)", EARLY.replace("val_f1_score", "val_fbeta_score")),
        ('keras.metrics.F1Score(name="f1")', EARLY.replace("val_f1_score", "val_f1")),
        ("keras.metrics.F1Score()", EARLY.replace("val_f1_score", "f1_score")),
        ('"accuracy", keras.metrics.F1Score()', EARLY),
        ("keras.metrics.F1Score()", 'ReduceLROnPlateau(monitor="val_f1_score", mode="max")'),
    ],
    ids=["default", "none", "threshold", "fbeta", "named", "training-key", "with-accuracy", "reduce-lr"],
)
def test_a_per_class_score_watched_by_a_callback_is_flagged(metrics, callback) -> None:
    found = check(script(metrics, callback))
    assert [f.code for f in found] == ["LG022"]
    assert "one score per class" in found[0].message and "ValueError" in found[0].message
    assert "second epoch" in found[0].message  # Keras 3
    assert found[0].fix is not None and "(average='macro')" in found[0].fix


@pytest.mark.parametrize(
    ("metrics", "callback", "units", "head"),
    [
        ('keras.metrics.F1Score(average="macro")', EARLY, 3, "softmax"),
        ('keras.metrics.F1Score(average="micro")', EARLY, 3, "softmax"),
        (
            'keras.metrics.FBetaScore(average="weighted")',
            EARLY.replace("f1_score", "fbeta_score"),
            3,
            "softmax",
        ),
        ("keras.metrics.F1Score(average=AVERAGE)", EARLY, 3, "softmax"),
        ('keras.metrics.F1Score("macro")', EARLY, 3, "softmax"),
        ("keras.metrics.F1Score(**OPTIONS)", EARLY, 3, "softmax"),
        (
            'keras.metrics.F1Score(), keras.metrics.F1Score(average="macro", name="f1_score")',
            EARLY,
            3,
            "softmax",
        ),
        ("keras.metrics.F1Score(threshold=0.5)", EARLY, 1, "sigmoid"),
        ("keras.metrics.F1Score()", EARLY.replace("val_f1_score", "val_loss"), 3, "softmax"),
        ("METRIC", EARLY, 3, "softmax"),
        ("keras.metrics.F1Score()", 'ModelCheckpoint("m.keras", monitor="val_f1_score")', 3, "softmax"),
    ],
    ids=[
        "macro",
        "micro",
        "weighted",
        "average-unknown",
        "positional",
        "starred",
        "two-metrics-one-name",
        "one-unit",
        "other-key",
        "metric-unknown",
        "checkpoint-every-epoch",
    ],
)
def test_a_scalar_or_unknown_score_is_not_flagged(metrics, callback, units, head) -> None:
    assert "LG022" not in codes(script(metrics, callback, units, head))


def test_without_validation_data_the_missing_key_is_the_finding() -> None:
    found = check(script(validation=""))
    assert [f.code for f in found] == ["LG022"] and "gets no validation data" in found[0].message


def test_the_consequence_follows_the_keras_version() -> None:
    tf_keras = check(script(), keras="tf_keras-2.21")
    assert len(tf_keras) == 1 and "at the end of the first epoch" in tf_keras[0].message
    assert "second" not in tf_keras[0].message
    checkpoint = 'ModelCheckpoint("m.keras", monitor="val_f1_score", mode="max", save_best_only=True)'
    keras3 = check(script(callback=checkpoint))
    assert len(keras3) == 1 and "saves the model after every epoch" in keras3[0].message
    assert "ValueError" not in keras3[0].message
    keras2 = check(script(callback=checkpoint), keras="tf_keras-2.21")
    assert len(keras2) == 1 and "ValueError" in keras2[0].message and "every epoch" not in keras2[0].message


def test_an_unknown_era_names_both_consequences() -> None:
    target = replace(parse_target("3"), eras=frozenset({eras.TF22, eras.KERAS3}))
    options = CheckOptions(Settings(), target, use_cache=False)
    result = check_source("train.py", textwrap.dedent(script()).encode(), options)
    assert result.error is None
    messages = [f.message for f in result.findings if f.code == "LG022"]
    assert len(messages) == 1
    assert "first epoch in Keras 2, the second in Keras 3" in messages[0]
    checkpoint = 'ModelCheckpoint("m.keras", monitor="val_f1_score", mode="max", save_best_only=True)'
    result = check_source("train.py", textwrap.dedent(script(callback=checkpoint)).encode(), options)
    assert [f.code for f in result.findings] == ["LG022"]
    assert "so Keras 2 stops fit() with a ValueError" in result.findings[0].message
    assert "and Keras 3 only warns" in result.findings[0].message


@pytest.mark.parametrize(
    ("metric", "monitor", "flagged"),
    [
        ("keras.metrics.LogCoshError()", "val_logcosh", False),  # Keras logs 'logcosh'
        ("keras.metrics.LogCoshError()", "val_log_cosh_error", True),
        ("keras.metrics.KLDivergence()", "val_kl_divergence", False),  # Keras 3's name
        ("keras.metrics.KLDivergence()", "val_kullback_leibler_divergence", False),  # tf_keras's
    ],
)
def test_monitor_names_follow_the_names_keras_logs(metric: str, monitor: str, flagged: bool) -> None:
    """Not every default name is the class in snake case (tests/static/test_metric_log_names.py
    reads them from both Keras); where the flavours differ the key is not known."""
    source = script(metrics=metric, callback=f'EarlyStopping(monitor="{monitor}")', units=1, head="linear")
    assert ("LG022" in codes(source, select=["LG022"])) is flagged
