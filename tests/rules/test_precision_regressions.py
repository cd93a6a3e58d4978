"""False positives found by reading lossguard's findings on real code, each written anew as the
smallest script that shows the pattern (never the third-party code itself)."""

from __future__ import annotations

from tests.conftest import codes

TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN = """
import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8)
y = np.random.randint(0, 2, 64)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1)
"""


def test_labels_known_single_label_make_a_sigmoid_head_not_multi_label() -> None:
    """A single 0/1 column cannot be multi-label: LG020's multi-label case stays silent, and
    LG010 says what is wrong (two units for one column)."""
    assert codes(TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN) == ["LG010"]
    multi_hot = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace("(0, 2, 64)", "(0, 2, (64, 2))")
    assert codes(multi_hot) == ["LG020"]  # two 0/1 columns: multi-label, argmax accuracy misleads


def test_class_indices_given_a_column_axis_stay_single_label() -> None:
    """np.expand_dims(y, -1) makes (n, 1) class indices, not a multi-label target."""
    column = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace(
        "y = np.random.randint(0, 2, 64)\n", "y = np.random.randint(0, 2, 64)\ny = np.expand_dims(y, -1)\n"
    )
    assert codes(column) == ["LG010"]
