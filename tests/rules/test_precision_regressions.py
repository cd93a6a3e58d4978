"""False positives found by reading lossguard's findings on real code, each written anew as the
smallest script that shows the pattern (never the third-party code itself)."""

from __future__ import annotations

import pytest

from tests.conftest import check, codes

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
    """A single 0/1 column cannot be multi-label: LG020's multi-label case stays silent. LG010
    says what is wrong (two units for one column: binary cross-entropy stops at the first step,
    measured in both Keras). Under mse, which broadcasts the column, LG025 also says what it does
    to the 'accuracy' printed (an arg-max over two units that both learn the column); under
    binary cross-entropy nothing is printed (a reading of a real file: LG025 claimed it was)."""
    assert codes(TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN) == ["LG010"]
    broadcast = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace('loss="binary_crossentropy"', 'loss="mse"')
    assert "LG025" in codes(broadcast)
    multi_hot = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace("(0, 2, 64)", "(0, 2, (64, 2))")
    assert codes(multi_hot) == ["LG020"]  # two 0/1 columns: multi-label, argmax accuracy misleads


def test_class_indices_given_a_column_axis_stay_single_label() -> None:
    """np.expand_dims(y, -1) makes (n, 1) class indices, not a multi-label target."""
    column = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace(
        "y = np.random.randint(0, 2, 64)\n", "y = np.random.randint(0, 2, 64)\ny = np.expand_dims(y, -1)\n"
    )
    assert codes(column) == ["LG010"]


AUTOENCODER = """
import numpy as np
from tensorflow import keras

pixels = np.load("digits.npy")  # values in [0, 1], their encoding unknown here
inputs = keras.Input((64,))
code = keras.layers.Dense(8, activation="relu")(inputs)
outputs = keras.layers.Dense(64, activation="{head}")(code)
autoencoder = keras.Model(inputs, outputs)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
autoencoder.fit({x}, {y}, epochs=1)
"""


def test_an_autoencoder_is_named_as_one_not_as_a_classifier() -> None:
    """fit(x, x) reconstructs its inputs: the messages and fixes speak of a reconstruction, not
    of classes or labels (read on autoencoders in tutorial repositories)."""
    softmax = check(AUTOENCODER.format(head="softmax", x="pixels", y="pixels"))
    assert [f.code for f in softmax] == ["LG001"]
    assert "reconstructs the inputs" in softmax[0].message and "sigmoid" in (softmax[0].fix or "")
    # No loss to switch to: the output activation is what is wrong (issue #20: a sigmoid output).
    fix = softmax[0].autofix
    assert (
        fix is not None
        and fix.applicability == "unsafe"
        and [e.content.strip('\x27"') for e in fix.edits] == ["sigmoid"]
    )
    sigmoid = check(AUTOENCODER.format(head="sigmoid", x="pixels", y="pixels"))
    assert [f.code for f in sigmoid] == ["LG020"]
    assert "reconstructs the inputs" in sigmoid[0].message and "multi-label" not in sigmoid[0].message
    assert sigmoid[0].fix is not None and "mae" in sigmoid[0].fix
    classifier = check(AUTOENCODER.format(head="softmax", x="pixels", y="np.eye(64)[np.arange(256) % 64]"))
    assert [f.code for f in classifier] == ["LG001"] and "reconstructs" not in classifier[0].message


def test_targets_are_inputs_only_for_the_same_data_written_twice() -> None:
    import libcst as cst

    from lossguard.static.recorder import same_data

    def same(x: str, y: str) -> bool:
        return same_data(cst.parse_expression(x), cst.parse_expression(y))

    assert same("x_train", "x_train") and same("data.x", "data.x") and same("x[:100]", "x[:100]")
    assert not same("x", "y") and not same("next(gen)", "next(gen)") and not same("x[f(0)]", "x[f(0)]")
    assert not same("x", "x + noise")


GAN = """
import numpy as np
from tensorflow import keras

def make_generator():
    return keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation="tanh")])

def make_discriminator():
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(1, activation="sigmoid")])

generator = make_generator()
discriminator = make_discriminator()
generator.compile(optimizer="adam", loss="binary_crossentropy")
discriminator.compile(optimizer="adam", loss="binary_crossentropy")
{combined}
noise = np.random.normal(size=(32, 16))
combined.train_on_batch(noise, np.ones((32, 1)))
"""


@pytest.mark.parametrize(
    "combined",
    [
        "combined = keras.Sequential([generator, discriminator])\ncombined.compile(loss='binary_crossentropy')",
        "z = keras.Input((16,))\ncombined = keras.Model(z, discriminator(generator(z)))\n"
        "combined.compile(loss='binary_crossentropy')",
    ],
    ids=["sequential", "functional"],
)
def test_a_generator_trained_only_inside_its_gan_is_not_judged_by_its_own_loss(combined: str) -> None:
    """The generator's tanh output is an image; its own compile() loss never trains it (read in
    a GAN chapter of a Keras book)."""
    assert codes(GAN.format(combined=combined)) == []
    alone = GAN.format(combined=combined).replace("combined.train_on_batch", "generator.train_on_batch")
    assert codes(alone) == ["LG010", "LG008"]  # trained on its own with that loss: tanh is no probability
    # and Keras 3 refuses the (32, 1) ones for its 64 units (tf.keras 2.x broadcasts them there)
    assert codes(alone, keras="tf_keras-2.21") == ["LG008"]


def test_a_model_whose_weights_are_loaded_for_inference_is_not_judged_by_its_loss() -> None:
    inference = GAN.format(combined="combined = None").replace(
        "combined.train_on_batch(noise, np.ones((32, 1)))",
        "generator.load_weights('generator.h5')\nimages = generator.predict(noise)",
    )
    assert codes(inference) == []
    assert codes(inference.replace("generator.load_weights('generator.h5')\n", "")) == ["LG008"]


def test_a_relu_reconstruction_is_told_to_end_in_sigmoid() -> None:
    (found,) = check(AUTOENCODER.format(head="relu", x="pixels", y="pixels"))
    assert found.code == "LG008" and "to reconstruct its inputs" in found.message
    assert "reconstructions can leave [0, 1]" in found.message and "class" not in (found.fix or "")


CLASS_INDICES_BCE = """
import numpy as np
from tensorflow import keras

x = np.random.rand(128, 16)
y = np.random.randint(0, {classes}, 128)
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y, epochs=1)
"""


def test_class_indices_given_to_binary_crossentropy_on_one_output() -> None:
    """A miss found in the published buggy programs (labels 0-9 on one sigmoid unit): LG010 says
    it; two classes stay silent (0/1 labels are what the loss expects)."""
    (found,) = check(CLASS_INDICES_BCE.format(classes=10))
    assert found.code == "LG010" and "10 integer values" in found.message
    assert "Dense(10, activation='softmax')" in (found.fix or "")
    assert codes(CLASS_INDICES_BCE.format(classes=2)) == []


def test_two_sigmoid_units_on_unknown_labels_are_not_called_multi_label() -> None:
    """One-hot cat/dog rows loaded from a file on Dense(2, sigmoid): as likely single-label as
    tags; LG020 no longer claims 'several labels can be true' there (found on public code)."""
    from tests.conftest import codes

    source = """
import numpy as np
from tensorflow import keras
x = np.load("x.npy")
y = np.load("y.npy")
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(2, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
model.fit(x, y)
"""
    assert codes(source) == []
    assert codes(source.replace("Dense(2,", "Dense(6,")) == ["LG020"]


def test_a_denoiser_on_real_valued_targets_is_told_it_reconstructs_its_inputs() -> None:
    """fit(x + noise, x): the targets are the inputs before the noise (a denoising autoencoder)."""
    from tests.conftest import check

    source = """
import numpy as np
from tensorflow import keras
(x, _), _ = keras.datasets.mnist.load_data()
x = x.reshape(-1, 784) / 255.0
noisy = x + np.random.normal(0, 0.1, x.shape)
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(784, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
model.fit(noisy, x)
"""
    (found,) = check(source)
    assert (
        found.code == "LG020"
        and "reconstructs the inputs (fit(x + noise, x))" in found.message
        and "multi-label" not in found.message
    )


def test_padded_sequences_of_one_hot_rows_are_not_called_class_ids() -> None:
    """Found on public code (a POS tagger): pad_sequences over one-hot rows per token, trained
    with categorical cross-entropy. What a padded step holds is unknown: no LG011."""
    from tests.conftest import codes

    source = """
import numpy as np
from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Embedding, LSTM, TimeDistributed, Dense
from keras.utils import to_categorical

tags = [to_categorical(np.random.randint(0, 12, 9), num_classes=12) for _ in range(50)]
words = [np.random.randint(1, 300, 9) for _ in range(50)]
x = sequence.pad_sequences(words, maxlen=20)
y = sequence.pad_sequences(tags, maxlen=20)
model = Sequential([Embedding(300, 16, mask_zero=True), LSTM(16, return_sequences=True), TimeDistributed(Dense(12, activation="softmax"))])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x, y)
"""
    assert codes(source) == []


@pytest.mark.parametrize(
    "metric, measured",
    [("'accuracy'", "sparse categorical accuracy 0.13"), ("keras.metrics.MeanIoU(num_classes=4)", "MeanIoU")],
)
def test_a_class_id_metric_on_real_labels_quotes_its_own_measurement(metric, measured) -> None:
    """Found on Keras' own guides: 'accuracy' on real labels quoted a MeanIoU measurement."""
    source = f"""
import numpy as np
from tensorflow import keras
x = np.random.random((64, 8))
y = np.random.random((64,))
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="softmax")])
model.compile(optimizer="sgd", loss="mse", metrics=[{metric}])
model.fit(x, y)
"""
    found = [f for f in check(source) if f.code == "LG025"]
    assert found and all(measured in f.message for f in found)


@pytest.mark.parametrize("shape_layer", ["Flatten()", "Reshape((64,))", "Reshape((-1,))"])
def test_a_softmax_after_a_reshaped_single_unit_spans_the_positions(shape_layer) -> None:
    """Found on Keras' own examples (a BERT span extractor): Dense(1) per token, flattened,
    then a softmax over the token positions. The softmax is not over one unit (no LG003), and
    the position ids are no more classes than it has (no LG010)."""
    source = f"""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
tokens = layers.Input(shape=(64, 32))
scores = layers.Dense(1, use_bias=False)(tokens)
scores = layers.{shape_layer}(scores)
start = layers.Activation(keras.activations.softmax)(scores)
model = keras.Model(tokens, start)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(128, 64, 32), np.random.randint(0, 64, 128))
"""
    assert codes(source) == []


def test_a_softmax_on_one_unit_is_still_found_when_nothing_reshapes_it() -> None:
    source = """
from tensorflow import keras
from tensorflow.keras import layers
inputs = layers.Input(shape=(32,))
x = layers.Dense(1)(inputs)
x = layers.Dropout(0.2)(x)
out = layers.Activation("softmax")(x)
model = keras.Model(inputs, out)
model.compile(optimizer="adam", loss="binary_crossentropy")
"""
    assert codes(source) == ["LG003"]


METRICS_IN_A_VARIABLE = """
import numpy as np
from tensorflow import keras
x = np.random.rand(100, 8)
y = np.random.randint(0, 2, (100,))
METRICS = [keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall"), keras.metrics.AUC(name="auc")]
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics={metrics})
model.fit(x, y, epochs=2)
"""


def test_metrics_of_a_list_in_a_variable_are_each_reported_where_built_without_a_fix() -> None:
    """Found reproducing TensorFlow issue 37103: metrics=METRICS reported one metric on the
    list's name and the others on the compile call (where two collapsed into one), and offered
    a 'safe' fix adding thresholds=0.0 to compile() itself. The list may serve other models:
    no fix edits it."""
    found = check(METRICS_IN_A_VARIABLE.format(metrics="METRICS"))
    assert [(f.code, f.location.line) for f in found] == [("LG024", 6)] * 3
    assert len({f.location.column for f in found}) == 3
    assert all(f.autofix is None for f in found)


def test_metrics_written_in_the_compile_call_keep_their_fixes() -> None:
    inline = "[keras.metrics.Precision(), keras.metrics.Recall(), keras.metrics.AUC()]"
    found = check(METRICS_IN_A_VARIABLE.format(metrics=inline))
    assert [(f.code, f.location.line) for f in found] == [("LG024", 8)] * 3
    assert all(f.autofix is not None for f in found)


EARLY_STOPPING_ON_AUC = """
import numpy as np
from tensorflow import keras
x, y = np.random.rand(200, 8), np.random.randint(0, 2, 200)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
stop = keras.callbacks.EarlyStopping(monitor="val_auc", patience=3)
model.fit(x, y, validation_split=0.2, epochs=20, callbacks=[stop])
"""


@pytest.mark.parametrize(
    "keras, flagged",
    [
        ("2.2.4", True),
        ("2.3.1", True),
        ("tf2.3", True),
        ("tf2.6", True),
        ("tf2.7", False),
        ("tf2.15", False),
        ("3", False),
    ],
)
def test_early_stopping_maximises_auc_only_since_tf_keras_2_7(keras, flagged) -> None:
    """Found reproducing TensorFlow issue 44509 (TF 2.3): EarlyStopping's mode='auto' maximises
    a key ending in 'auc' only since keras 2.7.0's callbacks.py; 2.2.4, 2.3.1 and 2.6.0 maximise
    only keys that contain 'acc' (read in each release's source)."""
    assert (codes(EARLY_STOPPING_ON_AUC, keras=keras) == ["LG023"]) is flagged


@pytest.mark.parametrize(
    "mode, example",
    [
        ("mode='max', ", "monitor='val_auc'"),
        ("mode='min', ", "monitor='val_loss'"),
        ("", "monitor='val_loss'"),
    ],
)
def test_a_missing_monitor_key_is_replaced_by_one_that_fits_the_mode(mode, example) -> None:
    """Found reproducing Keras issue 13966: with mode='max' LG022 suggested val_loss, which that
    mode would then maximise."""
    source = f"""
import numpy as np
from tensorflow import keras
x, y = np.random.rand(200, 8), np.random.randint(0, 2, 200)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", {mode}patience=3)
model.fit(x, y, validation_split=0.2, epochs=20, callbacks=[stop])
"""
    found = [f for f in check(source) if f.code == "LG022"]
    assert found and all(example in (f.fix or "") for f in found)


ONE_UNIT_TWO_COLUMNS = """
import numpy as np
import keras

x = np.random.rand(64, 8)
y = keras.utils.to_categorical(np.random.randint(0, 2, 64), 2)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1), keras.layers.Activation("{act}")])
model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])
model.fit(x, y, epochs=1)
"""


@pytest.mark.parametrize("act", ["sigmoid", "softmax"])
def test_two_label_columns_on_one_unit_under_binary_cross_entropy_print_no_accuracy(act) -> None:
    """Binary cross-entropy refuses two columns for one sigmoid or softmax unit (a ValueError at
    the first step in both Keras, measured): LG025's 'binary accuracy broadcast over the
    columns reports a high number' is true only under a loss that broadcasts (mse)."""
    assert "LG025" not in codes(ONE_UNIT_TWO_COLUMNS.format(act=act, loss="binary_crossentropy"))
    assert "LG025" in codes(ONE_UNIT_TWO_COLUMNS.format(act=act, loss="mse"))


def test_one_label_column_on_a_linear_head_is_broadcast_only_by_tf_keras() -> None:
    """tf.keras 2.x computes binary cross-entropy from probabilities on a linear output and
    broadcasts one column over the units (the matrix's tf_keras rows); Keras 3 raises."""
    linear = TWO_SIGMOIDS_ON_ONE_BINARY_COLUMN.replace('activation="sigmoid"', "")
    assert "LG025" in codes(linear, keras="tf_keras-2.21")
    assert "LG025" not in codes(linear, keras="3")


REGRESSION_LOSS_ALONE = """
import pandas as pd
from tensorflow import keras

frame = pd.read_csv("sales.csv")
x, y = frame.drop(columns=["target"]).values, frame["target"].values
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), {head}])
model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])
model.fit(x, y, epochs=1)
"""


@pytest.mark.parametrize("loss", ["mae", "mean_absolute_percentage_error", "huber", "logcosh", "msle"])
def test_a_loss_only_regressions_use_says_the_task_on_an_unbounded_head(loss: str) -> None:
    """The targets come from a CSV column (unknown values): mae and its kin are regression losses,
    so 'accuracy' on a linear head measures nothing (a deepmufl benchmark program and two
    real scripts were missed)."""
    assert codes(REGRESSION_LOSS_ALONE.format(head="keras.layers.Dense(1)", loss=loss)) == ["LG021"]


@pytest.mark.parametrize(
    ("head", "loss"),
    [
        ("keras.layers.Dense(1)", "mse"),  # a least-squares classifier on 0/1 targets is possible
        ('keras.layers.Dense(1, activation="sigmoid")', "mae"),  # a bounded head: 0/1 targets likely
    ],
)
def test_mse_or_a_bounded_head_alone_say_nothing_of_the_task(head: str, loss: str) -> None:
    assert codes(REGRESSION_LOSS_ALONE.format(head=head, loss=loss)) == []
