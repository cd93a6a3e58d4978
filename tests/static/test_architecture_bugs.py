"""Bugs found by reading 0.1.0 (issue: one pipeline, real layers); each test failed before."""

from __future__ import annotations

from lossguard.facts import (
    Activation,
    KerasTarget,
    LabelEncoding,
    LabelSpec,
    Location,
    LossKind,
    LossSpec,
    OutputHead,
    RuntimeObservation,
    TrainingSetup,
)
from lossguard.keras.signatures import argument
from lossguard.rules.runtime import output_not_probability
from tests.conftest import check, codes

MODEL = """
from tensorflow import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""


def test_train_on_batch_labels_are_not_steps_per_epoch() -> None:
    assert codes(MODEL + "model.train_on_batch(x_batch, y_samples)\n") == []


def test_fit_generator_positional_validation_data_is_not_validation_steps() -> None:
    call = "model.fit_generator(train_gen, 100, 5, 1, None, validation_samples)\n"
    assert codes(MODEL + call) == []


def test_fit_generator_positional_validation_steps_is_read_at_its_position() -> None:
    call = "import os\nmodel.fit_generator(train_gen, 100, 5, 1, None, val_gen, len(os.listdir('val')))\n"
    (finding,) = check(MODEL + call)
    assert finding.code == "LG042" and "validation_steps=len(os.listdir('val'))" in finding.message


def test_fit_generator_positional_callbacks_are_read() -> None:
    source = MODEL.replace('metrics=["accuracy"]', 'metrics=["acc"]') + (
        "stop = keras.callbacks.EarlyStopping(monitor='val_accuracy')\n"
        "model.fit_generator(train_gen, 100, 5, 1, [stop], val_gen)\n"
    )
    assert codes(source) == ["LG022"]


def test_signature_table_serves_the_probe_too() -> None:
    callbacks = ["cb"]
    assert argument("fit_generator", "callbacks", ("gen", 2, 1, 0, callbacks), {}) is callbacks
    assert argument("fit_generator", "validation_data", ("gen", 2, 1, 0, None, "val"), {}) == "val"
    assert argument("train_on_batch", "steps_per_epoch", ("x", "y"), {}) is None
    assert argument("fit_generator", "x", ("gen",), {}) == "gen"


def test_lg032_says_synthetic_when_the_batch_was_synthetic() -> None:
    where = Location("train.py", 3, 1, 3, 1)
    setup = TrainingSetup(
        path="train.py",
        model_name=None,
        keras=KerasTarget("keras3", (3,), "Keras 3"),
        head=OutputHead(3, Activation.UNKNOWN, "Dense", where),
        loss=LossSpec(LossKind.CATEGORICAL_CE, "categorical_crossentropy", where, False),
        labels=LabelSpec(LabelEncoding.ONE_HOT, "a synthetic batch", where, 3, 3, synthetic=True),
        observation=RuntimeObservation(output_min=-2.0, output_max=3.0, synthetic_batch=True),
    )
    (finding,) = output_not_probability(setup)
    assert "synthetic batch" in finding.message and "real batch" not in finding.message


STACKED = """
from tensorflow import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
# lossguard: ignore[LG001]
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # lossguard: ignore[LG020]
"""


def test_stacked_suppressions_both_apply_and_neither_is_unused() -> None:
    assert codes(STACKED.replace("  # lossguard: ignore[LG020]", ""), keras="2.2.4") == ["LG020"]
    assert check(STACKED, keras="2.2.4", report_unused_ignores=True) == []


def test_a_generator_function_passed_as_validation_data_is_validation_data() -> None:
    source = MODEL + (
        "def batches():\n"
        "    while True:\n"
        "        yield x, y\n"
        "stop = keras.callbacks.EarlyStopping(monitor='val_loss')\n"
        "model.fit(batches(), steps_per_epoch=10, validation_data=batches(), validation_steps=2, callbacks=[stop])\n"
    )
    assert codes(source) == []
    assert codes(source.replace("validation_data=batches(), ", "")) == ["LG022"]
