"""Labels written out in the script (``np.array([...])``), and what Keras does with one label
column on several units under mean squared error in each era."""

from __future__ import annotations

import pytest

from tests.conftest import check, codes

GRADES = """
import numpy as np
from tensorflow import keras

x = np.array([[0.1, 0.2], [0.3, 0.1], [0.9, 0.8], [0.7, 0.9], [0.5, 0.5], [0.2, 0.9]])
y = np.array({labels})
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense({units}, activation="{activation}")])
model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])
model.fit(x, y, epochs=10)
"""


def grades(
    labels: str, units: int = 3, activation: str = "softmax", loss: str = "categorical_crossentropy"
) -> str:
    return GRADES.format(labels=labels, units=units, activation=activation, loss=loss)


@pytest.mark.parametrize(
    "labels", ["[1, 2, 3, 1, 2, 3]", "[[0], [1], [2], [1], [0], [2]]", "[0.5, 1.5, 2.5, 1, 2, 3]"]
)
def test_one_written_column_under_categorical_cross_entropy_is_a_shape_error(labels: str) -> None:
    """Whole numbers, ids from 1 or real values: one column for three units stops training at
    the first step; LG010 says so, and neither LG030 ('without an error') nor LG025 (a metric
    that never reports) speaks."""
    found = check(grades(labels))
    assert [f.code for f in found] == ["LG010"]
    assert "Training stops at the first step with a shape error" in found[0].message


def test_written_class_ids_under_the_sparse_loss_are_silent() -> None:
    assert codes(grades("[0, 1, 2, 1, 0, 2]", loss="sparse_categorical_crossentropy")) == []


def test_written_one_hot_rows_fit_their_units() -> None:
    rows = "[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]]"
    assert codes(grades(rows)) == []
    assert codes(grades(rows, units=4)) == ["LG010"]  # three one-hot columns on four units


def test_written_multi_hot_rows_under_a_softmax() -> None:
    rows = "[[1, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1], [1, 0, 0], [0, 1, 1]]"
    drawn = grades("[0]").replace("np.array([0])", "np.random.randint(0, 2, (6, 3))")
    assert codes(grades(rows)) == codes(drawn) and "LG009" in codes(drawn)


def test_written_0_1_column_on_one_sigmoid_is_silent_and_whole_numbers_are_not_0_1() -> None:
    assert (
        codes(
            grades(
                "[[0], [1], [1], [0], [1], [0]]", units=1, activation="sigmoid", loss="binary_crossentropy"
            )
        )
        == []
    )
    found = codes(grades("[0, 1, 2, 3, 1, 0]", units=1, activation="sigmoid", loss="binary_crossentropy"))
    assert found and set(found) <= {"LG010", "LG030"}


BROADCAST = """
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

x = np.array([1, 2, 3, 4, 5, 6, 7])
y = np.array([1, 2, 3, 4, 5, 6, 7])
model = Sequential()
model.add(Dense(5, input_dim=1))
model.add(Dense(4))
model.compile(loss="{loss}", optimizer="adam")
model.fit(x, y, epochs=10)
"""


@pytest.mark.parametrize("keras", ["2.2.4", "2.3.1"])
def test_multi_backend_keras_refuses_a_broadcast_target_under_mse(keras: str) -> None:
    """Keras 2.0–2.3 checks the target's shape for mean squared error before training
    (check_loss_and_target_compatibility, read in 2.2.4 and 2.3.1): no 'without an error'."""
    found = check(BROADCAST.format(loss="mse"), keras=keras)
    assert [f.code for f in found] == ["LG010"]
    assert "refuses it before training" in found[0].message and "without an error" not in found[0].message


def test_later_keras_broadcast_it_and_mae_was_never_checked() -> None:
    for keras, loss in (("3", "mse"), ("tf-2.4", "mse"), ("2.2.4", "mae")):
        found = check(BROADCAST.format(loss=loss), keras=keras)
        assert [f.code for f in found] == ["LG010"], (keras, loss)
        assert "without an error" in found[0].message and "refuses" not in found[0].message, (keras, loss)


def test_a_written_constant_target_broadcasts_harmlessly_as_np_ones_does() -> None:
    """Only 1s (or only 0s) written out are a constant target, like np.ones: a broadcast of it
    over several units is not reported (a shape-fault benchmark's fixed program trains one
    sample's [[1]] on 100 recurrent units)."""
    constant = BROADCAST.replace(
        "y = np.array([1, 2, 3, 4, 5, 6, 7])", "y = np.array([[1], [1], [1], [1], [1], [1], [1]])"
    )
    assert codes(constant.format(loss="mse")) == []
    assert (
        codes(
            constant.replace("np.array([[1], [1], [1], [1], [1], [1], [1]])", "np.ones((7, 1))").format(
                loss="mse"
            )
        )
        == []
    )


COUNTED_UP = """
import numpy as np
import tensorflow as tf

x = np.random.rand(200, 1)
y = {labels}
model = tf.keras.Sequential([tf.keras.layers.Dense(10), tf.keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x, y, epochs=3)
"""


@pytest.mark.parametrize(
    "labels", ["np.arange(100, 1100, 5)", "tf.range(100, 1100, 5)", "np.arange(0.0, 2.0, 0.01)"]
)
def test_counted_up_targets_into_binary_cross_entropy(labels: str) -> None:
    """np.arange / tf.range values are known: a regression target counted up is not 0/1 (a
    course notebook trains a classifier's loss on one to show it fails)."""
    assert codes(COUNTED_UP.format(labels=labels)) == ["LG030"]


def test_counted_up_0_1_values_say_nothing() -> None:
    assert codes(COUNTED_UP.format(labels="np.arange(200) % 2")) == []
    assert codes(COUNTED_UP.format(labels="np.arange(0, 1, 0.005)")) == []  # soft targets in [0, 1]


APPENDED = """
import numpy as np
from tensorflow import keras

inputs, targets = [], []
for image in load_images():
    inputs.append(image[:, :, :1])
    targets.append({target})
x, y = np.array(inputs), np.array(targets)
model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, padding="same", activation="tanh")])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
model.fit(x, y, epochs=2)
"""


def test_targets_appended_in_a_loop_keep_their_values() -> None:
    """A colouriser's targets, each image's colour channels divided by 128, stacked by np.array:
    real values, so 'accuracy' measures nothing (a microscopy tutorial's scripts)."""
    assert codes(APPENDED.format(target="image[:, :, 1:] / 128")) == ["LG021"]
    assert codes(APPENDED.format(target="image[:, :, 1:]")) == []  # values not known


ROUNDED = """
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
y = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
model = Sequential()
model.add(Dense(5, input_dim=1))
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
model.fit(x, y, epochs=100)
"""


def _assumed_codes(source: str) -> list[str]:
    from lossguard.keras.semantics import ASSUMED_KERAS3
    from lossguard.pipeline.engine import CheckOptions
    from lossguard.pipeline.settings import Settings
    from tests.conftest import checked

    return [
        f.code for f in checked("s.py", source.encode(), CheckOptions(Settings(), ASSUMED_KERAS3)).findings
    ]


def test_binary_accuracy_on_whole_numbers_depends_on_whether_keras_rounds() -> None:
    """Keras 2.2.4/2.3.1 compare the labels with the outputs rounded to whole numbers (metrics.py:
    K.equal(y_true, K.round(y_pred))), so a fitted regression on 1…10 can score 1.0 there (a
    course's own output says so); tf.keras 2.x and Keras 3 threshold at 0.5. Only a known Keras
    that thresholds makes the 0/1 reading a finding (a reading of 32 course scripts)."""
    assert codes(ROUNDED, keras="3") == ["LG025"]
    assert codes(ROUNDED, keras="2.3.1") == []
    assert _assumed_codes(ROUNDED) == []  # nothing says which Keras: the script may be from 2020
    sigmoid = ROUNDED.replace("model.add(Dense(1))", 'model.add(Dense(1, activation="sigmoid"))')
    assert "LG025" in _assumed_codes(sigmoid)  # rounded or thresholded, a probability is 0 or 1


def test_an_mse_broadcast_names_both_outcomes_where_only_the_installed_keras_says_which() -> None:
    from lossguard.keras.semantics import ASSUMED_KERAS3
    from lossguard.pipeline.engine import CheckOptions
    from lossguard.pipeline.settings import Settings
    from tests.conftest import checked

    found = checked(
        "s.py", BROADCAST.format(loss="mse").encode(), CheckOptions(Settings(), ASSUMED_KERAS3)
    ).findings
    assert [f.code for f in found] == ["LG010"]
    assert "Keras 2.0–2.3 refuses it before training" in found[0].message
    assert "later versions: mse compares labels and outputs" in found[0].message
