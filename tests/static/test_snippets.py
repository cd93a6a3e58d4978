"""Snippets without imports: unbound names that are unmistakably Keras are read as Keras; the
era is unknown, so version-dependent rules stay silent unless --keras-version names it."""

from __future__ import annotations

import pytest

from lossguard.keras.semantics import ASSUMED_KERAS3, parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings
from lossguard.static.snippets import free_keras_names

SNIPPET = """\
model = Sequential()
model.add(Dense(64, input_dim=20, activation='relu'))
model.add(Dense(10, activation='softmax'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=20, batch_size=128,
          callbacks=[EarlyStopping(monitor='val_acc', mode='min')], validation_split=0.1)
"""


def codes(source: str, target=ASSUMED_KERAS3) -> list[str]:
    options = CheckOptions(Settings(), target, use_cache=False)
    result = check_source("snippet.py", source.encode(), options)
    assert result.error is None
    return sorted(f.code for f in result.findings)


def test_a_snippet_is_analysed_as_keras_with_the_era_unknown() -> None:
    # LG001 and LG023 hold in every Keras; LG020 and the acc/accuracy part of LG022 depend on it.
    assert codes(SNIPPET) == ["LG001", "LG023"]
    assert codes(SNIPPET, parse_target("2.2.4")) == ["LG001", "LG020", "LG023"]
    assert codes(SNIPPET, parse_target("3")) == ["LG001", "LG022", "LG023"]


def test_the_correct_twin_is_silent() -> None:
    fixed = SNIPPET.replace("binary_crossentropy", "categorical_crossentropy").replace(
        "mode='min'", "mode='max'"
    )
    assert codes(fixed) == []


@pytest.mark.parametrize(
    "prefix",
    [
        "from mylib import *\n",  # a star import could bind any of these names
        "from torch.nn import Sequential\n",  # bound: not Keras's
        "class Sequential(list):\n    pass\n",  # defined here
        "def Dense(units, activation=None):\n    return units\n",
        "Dense = make_dense_factory()\n",
    ],
    ids=["star-import", "imported-elsewhere", "class", "function", "assigned"],
)
def test_names_bound_any_other_way_are_not_keras(prefix) -> None:
    source = prefix + SNIPPET
    if "Sequential" in prefix:
        assert "Sequential" not in free_keras_names(source)
    if "Dense" in prefix:
        assert "Dense" not in free_keras_names(source)
    assert "LG001" not in codes(source)


def test_a_script_that_imports_keras_is_not_a_snippet() -> None:
    script = "from tensorflow.keras.models import Sequential\n" + SNIPPET
    assert free_keras_names(script) == {}  # Dense is unbound there: a NameError, not a snippet
    assert codes(script) == []


@pytest.mark.parametrize(
    "source",
    [
        "model = Sequential()\nmodel.add(Dense(10, activation='softmax'))\n",  # no compile
        "x = Dense\nnet.compile(loss='binary_crossentropy')\n",  # no bare builder call
        "import numpy as np\nlayer = np.Dense(3)\nmodel.compile(loss='bce')\n",  # an attribute, not a bare name
    ],
)
def test_only_unmistakable_snippets_qualify(source) -> None:
    assert free_keras_names(source) == {}


def test_a_snippet_that_does_not_parse_is_not_a_snippet() -> None:
    assert free_keras_names("model = Sequential(\nmodel.compile(\n") == {}
