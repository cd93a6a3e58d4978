"""Keras version semantics: parsing targets, bare 'accuracy', history keys, detection."""

from __future__ import annotations

import pytest

from lossguard.facts import LabelEncoding, LossKind, MetricKind
from lossguard.keras.semantics import (
    VersionError,
    accuracy_follows_loss,
    detect_installed,
    history_key,
    parse_target,
    resolve_bare_accuracy,
    resolve_target,
)


@pytest.mark.parametrize(
    "spec, line, follows_loss",
    [
        ("3", "keras3", False),
        ("3.15.1", "keras3", False),
        ("2.2.4", "keras2", True),
        ("2.3", "keras2", True),
        ("2.15", "tf.keras", False),
        ("tf2.1", "tf.keras", True),
        ("tensorflow-2.2", "tf.keras", False),
        ("tf2.16", "keras3", False),
        ("tf_keras-2.15", "tf.keras", False),
        ("1.2.2", "keras2", True),
    ],
)
def test_parse_target(spec, line, follows_loss) -> None:
    target = parse_target(spec)
    assert target.line == line
    assert accuracy_follows_loss(target) is follows_loss


@pytest.mark.parametrize("spec", ["", "latest", "three", "pytorch-2.1", "3.x"])
def test_bad_versions_are_rejected(spec) -> None:
    with pytest.raises(VersionError):
        parse_target(spec)


def test_bare_accuracy_resolution_by_version() -> None:
    old, new = parse_target("2.2.4"), parse_target("3")
    bce, sparse = LossKind.BINARY_CE, LossKind.SPARSE_CATEGORICAL_CE
    assert resolve_bare_accuracy(old, bce, 10, None) is MetricKind.BINARY_ACCURACY
    assert resolve_bare_accuracy(new, bce, 10, None) is MetricKind.CATEGORICAL_ACCURACY
    assert resolve_bare_accuracy(old, sparse, 10, None) is MetricKind.SPARSE_CATEGORICAL_ACCURACY
    assert (
        resolve_bare_accuracy(new, LossKind.CATEGORICAL_CE, 10, LabelEncoding.INTEGER)
        is MetricKind.SPARSE_CATEGORICAL_ACCURACY
    )
    assert resolve_bare_accuracy(new, None, 1, None) is MetricKind.BINARY_ACCURACY
    assert resolve_bare_accuracy(new, bce, None, None) is None


def test_history_keys() -> None:
    assert history_key(parse_target("2.2.4"), "accuracy") == "acc"
    assert history_key(parse_target("2.2.4"), "mae") == "mean_absolute_error"
    assert history_key(parse_target("2.3"), "accuracy") == "accuracy"
    assert history_key(parse_target("3"), "acc") == "acc"
    assert history_key(parse_target("tf1.15"), "accuracy") == "acc"
    assert history_key(parse_target("tf2.0"), "accuracy") == "accuracy"


def test_cli_flag_wins_over_config_and_installed() -> None:
    assert resolve_target("2.3", "3").line == "keras2"
    assert resolve_target(None, "2.3").line == "keras2"


def test_detection_reads_metadata_only(monkeypatch) -> None:
    from importlib import metadata

    versions = {"keras": "2.2.4"}

    def fake_version(name: str) -> str:
        if name in versions:
            return versions[name]
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", fake_version)
    assert detect_installed().line == "keras2"
    versions.clear()
    versions["tensorflow"] = "2.1.0"
    assert detect_installed().line == "tf.keras"
    assert accuracy_follows_loss(detect_installed())
    versions["tensorflow"] = "2.21.0"
    versions["tf-keras"] = "2.21.0"
    assert detect_installed().line == "keras3"
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    assert detect_installed().line == "tf.keras"
    versions.clear()
    assert detect_installed().line == "keras3"


LEGACY_SCRIPT = """
from keras.models import Sequential
from keras.layers import Dense
from keras.callbacks import EarlyStopping
model = Sequential()
model.add(Dense(10, activation="sigmoid", input_dim=20))
model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
model.fit(x, y, nb_epoch=10, validation_split=0.1, callbacks=[EarlyStopping(monitor="val_acc")])
"""


def test_assumed_keras3_is_uncertain_for_legacy_scripts() -> None:
    from lossguard.keras.semantics import ASSUMED_KERAS3
    from lossguard.pipeline.engine import CheckOptions, check_source
    from lossguard.pipeline.settings import Settings

    def codes_for(target):
        options = CheckOptions(Settings(), target, use_cache=False)
        return [f.code for f in check_source("old.py", LEGACY_SCRIPT.encode(), options).findings]

    assert codes_for(ASSUMED_KERAS3) == []  # version-dependent: silent when the version is a guess
    assert codes_for(parse_target("3")) == ["LG020", "LG022"]
    assert codes_for(parse_target("2.2.4")) == []
    modern = LEGACY_SCRIPT.replace("nb_epoch", "epochs")
    options = CheckOptions(Settings(), ASSUMED_KERAS3, use_cache=False)
    assert [f.code for f in check_source("new.py", modern.encode(), options).findings] == ["LG020", "LG022"]


def test_a_legacy_script_is_not_judged_by_the_installed_keras(monkeypatch) -> None:
    """The script's era beats the installed Keras: fit_generator and history['val_acc'] say it was
    written for a Keras that logs 'acc'; only an explicit --keras-version judges it otherwise."""
    from lossguard.keras import semantics
    from lossguard.pipeline.engine import CheckOptions
    from lossguard.pipeline.settings import Settings
    from tests.conftest import checked

    monkeypatch.setattr(semantics, "_detect_installed", lambda: semantics.parse_target("3.15"))
    script = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "from keras.callbacks import EarlyStopping\n"
        "model = Sequential([Dense(1, activation='sigmoid', input_shape=(4,))])\n"
        "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n"
        "history = model.fit(x, y, validation_split=0.2, callbacks=[EarlyStopping(monitor='val_acc')])\n"
        "print(history.history['val_acc'])\n"
    )
    installed = semantics.detect_installed()
    assert installed.label == "Keras 3.15 (installed)"
    options = CheckOptions(Settings(), installed, use_cache=False)
    assert [f.code for f in checked("old.py", script.encode(), options).findings] == []
    explicit = CheckOptions(Settings(), semantics.parse_target("3.15"), use_cache=False)
    (lg022,) = checked("old.py", script.encode(), explicit).findings
    assert lg022.code == "LG022" and "Keras 3.15" in lg022.message


ERA_SCRIPT = """
from tensorflow import keras
from tensorflow.keras.callbacks import EarlyStopping
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam({lr}=0.01), metrics=["accuracy"])
history = model.fit(x, y, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_acc")])
{extra}
"""


def _era_codes(lr: str, extra: str) -> list[str]:
    from lossguard.keras.semantics import ASSUMED_KERAS3
    from lossguard.pipeline.engine import CheckOptions
    from lossguard.pipeline.settings import Settings
    from tests.conftest import checked

    script = ERA_SCRIPT.format(lr=lr, extra=extra)
    return [
        f.code for f in checked("s.py", script.encode(), CheckOptions(Settings(), ASSUMED_KERAS3)).findings
    ]


def test_lr_is_a_vote_not_a_switch() -> None:
    """lr= proves a Keras before 3, history['accuracy'] one from 2.3 on: every era left logs
    'accuracy', so monitor='val_acc' is known to be wrong although the exact version is not."""
    assert _era_codes("lr", "print(history.history['accuracy'])") == ["LG022"]
    assert _era_codes("lr", "") == []  # lr= alone: Keras 2.2 (logs 'acc') is possible


def test_tensorflow_1_markers_keep_val_acc() -> None:
    assert _era_codes("learning_rate", "tf.set_random_seed(1)") == []
    assert _era_codes("learning_rate", "") == ["LG022"]  # no clue: the assumed Keras 3


def test_contradicting_clues_leave_the_version_unknown() -> None:
    from lossguard.keras import eras

    assert eras.clues_in("model.fit_generator(g)\nfrom keras import ops\n") == (eras.ALL, ())
    found, evidence = eras.clues_in("Adam(lr=0.1)\nh.history['val_accuracy']\n")
    assert found == {eras.KERAS23, eras.TF20, eras.TF22} and evidence == ("lr=", "history['accuracy']")


@pytest.mark.parametrize(
    "text, eras_found",
    [
        ("import tensorflow as tf\ntf.set_random_seed(1)\n", "TENSORFLOW1"),
        ("from tensorflow import set_random_seed\nset_random_seed(2)\n", "TENSORFLOW1"),
        ("from tensorflow import keras\nkeras.utils.set_random_seed(1)\n", "TF22|KERAS3"),
        ("import tensorflow as tf\ntf.keras.utils.set_random_seed(1)\n", "TF22|KERAS3"),
        ("from keras.utils import set_random_seed\nset_random_seed(1)\n", "TF22|KERAS3"),
        ("import tensorflow as tf\ntf.random.set_seed(1)\n", "ALL"),
        ("from keras.preprocessing.text import Tokenizer\n", "BEFORE_KERAS3"),
        ("from tensorflow.keras.preprocessing import sequence, text\n", "BEFORE_KERAS3"),
        ("from keras.preprocessing.sequence import pad_sequences\n", "ALL"),  # Keras 3 kept it
    ],
)
def test_set_random_seed_dates_a_script_by_where_it_comes_from(text, eras_found) -> None:
    """Found on Keras' own examples: keras.utils.set_random_seed (TF 2.7+, Keras 3) was read as
    TensorFlow 1's tf.set_random_seed, which dated a Keras 3 example to Keras 2.3."""
    from lossguard.keras import eras

    expected = {
        "TENSORFLOW1": eras.TENSORFLOW1,
        "TF22|KERAS3": frozenset({eras.TF22, eras.KERAS3}),
        "ALL": eras.ALL,
        "BEFORE_KERAS3": eras.BEFORE_KERAS3,
    }[eras_found]
    assert eras.clues_in(text)[0] == expected
