"""Per rule: the doc's bad example and its fix, on synthetic data of the structure the rule is
about, as functions of the Keras flavour (``harness.FLAVOURS``). ``python -m
tests.consequences.cases [RULE ...]`` prints what each pair measured."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from tests.consequences.harness import (
    CLASSES,
    FEATURES,
    FLAVOURS,
    SAMPLES,
    Run,
    mlp,
    multi_label,
    one_hot,
    single_label,
    summary,
    train,
)

X, Y = single_label()  # five classes, one per sample
XB, YB = single_label(2)  # two classes: binary
XM, YM = multi_label()  # five labels, several true at once
XR = X
XH, YH = single_label(spread=4.0)  # overlapping clusters: a model gets most of it right
XH2, _YH2 = single_label(2, spread=4.0)
YH2 = _YH2.astype("float32")
XN, YN = single_label(spread=np.inf)  # labels unrelated to the features: chance is all there is
YR = (X[:, :3].sum(axis=1) * 10 + 50).astype("float32")  # a regression target (prices)


@dataclass(frozen=True)
class Case:
    rule: str
    bad: Callable[[str], Run]
    good: Callable[[str], Run]
    flavours: tuple[str, ...] = FLAVOURS


CASES: dict[str, Case] = {}


def pair(name: str, bad: Callable[[str], Run], good: Callable[[str], Run]) -> None:
    CASES[name] = Case(name.split("/")[0], bad, good)


def compiled(head: Callable[[ModuleType], list[Any]], loss: Any, metrics: Any = None) -> Callable[..., Any]:
    """A builder: hidden layer, then ``head``, compiled with ``loss`` (a name or a function of
    the keras module) and ``metrics``."""

    def build(keras: ModuleType) -> Any:
        model = mlp(keras, head(keras))
        chosen_loss = loss(keras) if callable(loss) else loss
        chosen = metrics(keras) if callable(metrics) else metrics
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=chosen_loss, metrics=chosen or [])
        return model

    return build


def fits(
    head: Callable[[ModuleType], list[Any]], loss: Any, metrics: Any, x: Any, y: Any, **options: Any
) -> Callable[[str], Run]:
    """A case: the model ``compiled(head, loss, metrics)`` trained on ``x``, ``y``."""
    return lambda flavour: train(flavour, compiled(head, loss, metrics), x, y, **options)


def dense(units: int, activation: str | None = None) -> Callable[[ModuleType], list[Any]]:
    return lambda keras: [keras.layers.Dense(units, activation=activation)]


# LG001: softmax over five classes trained with binary cross-entropy (overlapping classes).
pair(
    "LG001",
    fits(dense(CLASSES, "softmax"), "binary_crossentropy", ["accuracy"], XH, one_hot(YH), epochs=10),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], XH, one_hot(YH), epochs=10),
)

# LG002: sigmoid units trained with categorical cross-entropy; one unit is the extreme case.
pair(
    "LG002/several-units",
    fits(dense(CLASSES, "sigmoid"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
)
pair(
    "LG002/one-unit-sparse",
    fits(dense(1, "sigmoid"), "sparse_categorical_crossentropy", None, XB, YB),
    fits(dense(1, "sigmoid"), "binary_crossentropy", None, XB, YB.astype("float32")),
)
pair(
    "LG002/one-unit",
    fits(
        dense(1, "sigmoid"),
        "categorical_crossentropy",
        ["accuracy"],
        XB,
        YB.reshape(-1, 1).astype("float32"),
        truth="argmax",
    ),
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XB, YB.reshape(-1, 1).astype("float32")),
)

# LG003: softmax over a single unit.
pair(
    "LG003",
    fits(dense(1, "softmax"), "binary_crossentropy", ["accuracy"], XB, YB.astype("float32")),
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XB, YB.astype("float32")),
)

# LG004: from_logits=True on a softmax output.
pair(
    "LG004",
    fits(
        dense(CLASSES, "softmax"),
        lambda k: k.losses.CategoricalCrossentropy(from_logits=True),
        ["accuracy"],
        X,
        one_hot(Y),
    ),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
)

# LG005: a linear output (logits) with a loss that expects probabilities.
pair(
    "LG005/categorical",
    fits(dense(CLASSES), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
    fits(
        dense(CLASSES),
        lambda k: k.losses.CategoricalCrossentropy(from_logits=True),
        ["accuracy"],
        X,
        one_hot(Y),
    ),
)
pair(
    "LG005/sparse",
    fits(dense(CLASSES), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
    fits(
        dense(CLASSES), lambda k: k.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"], X, Y
    ),
)
pair(
    "LG005/binary",
    fits(dense(1), "binary_crossentropy", None, XB, YB.astype("float32"), truth="logit-threshold"),
    fits(
        dense(1),
        lambda k: k.losses.BinaryCrossentropy(from_logits=True),
        None,
        XB,
        YB.astype("float32"),
        truth="logit-threshold",
    ),
)

# LG006: a normalisation layer after the softmax.
pair(
    "LG006",
    fits(
        lambda k: [k.layers.Dense(CLASSES, activation="softmax"), k.layers.BatchNormalization()],
        "categorical_crossentropy",
        ["accuracy"],
        X,
        one_hot(Y),
    ),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
)

# LG007: binary cross-entropy on one-hot single-label targets (sigmoid units); on overlapping
# classes, and on labels that carry no signal (where any accuracy above chance is inflation).
pair(
    "LG007",
    fits(
        dense(CLASSES, "sigmoid"),
        "binary_crossentropy",
        ["accuracy", "binary_accuracy"],
        XH,
        one_hot(YH),
        epochs=10,
    ),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], XH, one_hot(YH), epochs=10),
)
pair(
    "LG007/no-signal",
    fits(dense(CLASSES, "sigmoid"), "binary_crossentropy", ["binary_accuracy"], XN, one_hot(YN), epochs=10),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], XN, one_hot(YN), epochs=10),
)

# LG008: an output that is neither probabilities nor logits, trained with cross-entropy.
pair(
    "LG008/relu-categorical",
    fits(dense(CLASSES, "relu"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
)
pair(
    "LG008/relu-sparse",
    fits(dense(CLASSES, "relu"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
)
pair(
    "LG008/relu-logits",
    fits(
        dense(CLASSES, "relu"),
        lambda k: k.losses.CategoricalCrossentropy(from_logits=True),
        ["accuracy"],
        X,
        one_hot(Y),
    ),
    fits(
        dense(CLASSES),
        lambda k: k.losses.CategoricalCrossentropy(from_logits=True),
        ["accuracy"],
        X,
        one_hot(Y),
    ),
)
pair(
    "LG008/relu-binary",
    fits(dense(1, "relu"), "binary_crossentropy", ["accuracy"], XH2, YH2, epochs=10),
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XH2, YH2, epochs=10),
)
pair(
    "LG008/tanh-logits",
    fits(
        dense(1, "tanh"),
        lambda k: k.losses.BinaryCrossentropy(from_logits=True),
        None,
        XH2,
        YH2,
        truth="logit-threshold",
        epochs=10,
    ),
    fits(
        dense(1),
        lambda k: k.losses.BinaryCrossentropy(from_logits=True),
        None,
        XH2,
        YH2,
        truth="logit-threshold",
        epochs=10,
    ),
)

# LG010 / LG030: more classes in the labels than output units.
pair(
    "LG010",
    fits(dense(3, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
)

pair(
    "LG010/one-hot-width",
    fits(dense(3, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"], X, one_hot(Y)),
)
pair(
    "LG010/binary-column-bce",
    fits(dense(2, "sigmoid"), "binary_crossentropy", ["accuracy"], XH2, YH2, epochs=3),
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XH2, YH2, epochs=3),
)
pair(
    "LG010/bce-class-indices",
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], X, Y),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
)
pair(
    "LG010/binary-column-cce",
    fits(dense(2, "softmax"), "categorical_crossentropy", ["accuracy"], XH2, YH2, epochs=3),
    fits(dense(2, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], XH2, YH2, epochs=3),
)

# LG011: a sparse loss given one-hot labels, and a categorical loss given class indices.
pair(
    "LG011/sparse-one-hot",
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", None, X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, X, one_hot(Y)),
)
pair(
    "LG011/categorical-indices",
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, X, Y),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", None, X, Y),
)

pair(
    "LG011/one-probability-one-hot",
    fits(
        dense(1, "sigmoid"),
        "binary_crossentropy",
        ["accuracy"],
        XH2,
        one_hot(YH2.astype("int64"), 2),
        epochs=3,
    ),
    fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XH2, YH2, epochs=3),
)

# LG020: a bare 'accuracy' on a multi-label sigmoid output (and softmax + BCE, by version).
pair(
    "LG020/multi-label",
    fits(dense(CLASSES, "sigmoid"), "binary_crossentropy", ["accuracy"], XM, YM, truth="threshold"),
    fits(dense(CLASSES, "sigmoid"), "binary_crossentropy", ["binary_accuracy"], XM, YM, truth="threshold"),
)
pair(
    "LG020/softmax-bce",
    fits(dense(CLASSES, "softmax"), "binary_crossentropy", ["accuracy"], X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "binary_crossentropy", ["categorical_accuracy"], X, one_hot(Y)),
)

# LG021: 'accuracy' on a regression; binary_accuracy on single-label classes.
pair(
    "LG021/regression",
    fits(dense(1), "mse", ["accuracy"], XR, YR, truth="none"),
    fits(dense(1), "mse", ["mae"], XR, YR, truth="none"),
)
pair(
    "LG021/binary-accuracy-multiclass",
    fits(
        dense(CLASSES, "softmax"), "categorical_crossentropy", ["binary_accuracy"], XN, one_hot(YN), epochs=10
    ),
    fits(
        dense(CLASSES, "softmax"),
        "categorical_crossentropy",
        ["categorical_accuracy"],
        XN,
        one_hot(YN),
        epochs=10,
    ),
)


def _checkpoint(monitor: str, mode: str = "auto") -> Callable[[ModuleType, Path], list[Any]]:
    def callbacks(keras: ModuleType, scratch: Path) -> list[Any]:
        suffix = ".keras" if keras.__version__.startswith("3") else ".h5"
        return [
            keras.callbacks.ModelCheckpoint(
                str(scratch / ("epoch{epoch:02d}" + suffix)), monitor=monitor, mode=mode, save_best_only=True
            )
        ]

    return callbacks


def _early_stopping(monitor: str, mode: str = "auto") -> Callable[[ModuleType, Path], list[Any]]:
    return lambda keras, scratch: [keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=2)]


def _with_validation(
    rule_callbacks: Callable[[ModuleType, Path], list[Any]], epochs: int = 10, hard: bool = False
) -> Callable[[str], Run]:
    """Training with a validation split; ``hard``: overlapping classes with a small learning
    rate, so validation accuracy keeps rising for several epochs."""
    x, y = (XH, YH) if hard else (X, Y)

    def build(keras: ModuleType) -> Any:
        model = mlp(keras, dense(CLASSES, "softmax")(keras))
        rate = 0.0005 if hard else 0.01
        model.compile(
            optimizer=keras.optimizers.Adam(rate), loss="categorical_crossentropy", metrics=["accuracy"]
        )
        return model

    return lambda f: train(
        f,
        build,
        x,
        one_hot(y),
        epochs=epochs,
        callbacks=rule_callbacks,
        fit={"validation_split": 0.25},
    )


# LG022: a callback monitors a key Keras never logs; with mode='auto' Keras 3 cannot tell the
# direction and raises, so the silent cases are those with a mode written.
pair("LG022/auto", _with_validation(_checkpoint("val_acc")), _with_validation(_checkpoint("val_accuracy")))
pair(
    "LG022/checkpoint",
    _with_validation(_checkpoint("val_acc", "max")),
    _with_validation(_checkpoint("val_accuracy", "max")),
)


def _named_checkpoint(key: str) -> Callable[[ModuleType, Path], list[Any]]:
    """A checkpoint whose file name is formatted with a logged key (saved every epoch)."""

    def callbacks(keras: ModuleType, scratch: Path) -> list[Any]:
        suffix = ".keras" if keras.__version__.startswith("3") else ".h5"
        name = "epoch{epoch:02d}-{" + key + ":.2f}" + suffix
        return [keras.callbacks.ModelCheckpoint(str(scratch / name))]

    return callbacks


# LG022 in a file name: {val_acc} where Keras logs val_accuracy (the fix renames both places).
pair(
    "LG022/filepath",
    _with_validation(_named_checkpoint("val_acc"), epochs=3),
    _with_validation(_named_checkpoint("val_accuracy"), epochs=3),
)
pair(
    "LG022/early-stopping",
    _with_validation(_early_stopping("val_acc", "max")),
    _with_validation(_early_stopping("val_accuracy", "max")),
)


def _reduce_lr(monitor: str, mode: str) -> Callable[[ModuleType, Path], list[Any]]:
    return lambda keras, scratch: [
        keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=mode, patience=1, factor=0.5, min_delta=0.0)
    ]


pair(
    "LG022/reduce-lr",
    _with_validation(_reduce_lr("val_acc", "max"), epochs=12, hard=True),
    _with_validation(_reduce_lr("val_accuracy", "max"), epochs=12, hard=True),
)

# LG023: mode='min' on an accuracy.
pair(
    "LG023/checkpoint",
    _with_validation(_checkpoint("val_accuracy", "min"), epochs=12, hard=True),
    _with_validation(_checkpoint("val_accuracy", "max"), epochs=12, hard=True),
)
pair(
    "LG023/reduce-lr",
    _with_validation(_reduce_lr("val_accuracy", "min"), epochs=12, hard=True),
    _with_validation(_reduce_lr("val_accuracy", "max"), epochs=12, hard=True),
)
pair(
    "LG023/early-stopping",
    _with_validation(_early_stopping("val_accuracy", "min"), epochs=12, hard=True),
    _with_validation(_early_stopping("val_accuracy", "max"), epochs=12, hard=True),
)


# LG024: a 0.5-threshold metric on logits (overlapping classes, so some logits lie near 0).
def _thresholded(threshold: float | None) -> Callable[[str], Run]:
    def metrics(keras: ModuleType) -> list[Any]:
        if threshold is None:
            return [keras.metrics.BinaryAccuracy(name="binary_accuracy")]
        return [keras.metrics.BinaryAccuracy(name="binary_accuracy", threshold=threshold)]

    return fits(
        dense(1),
        lambda k: k.losses.BinaryCrossentropy(from_logits=True),
        metrics,
        XH2,
        YH2,
        truth="logit-threshold",
        epochs=3,
    )


pair("LG024", _thresholded(None), _thresholded(0.0))


def linear(loss: str) -> Callable[[ModuleType], Any]:
    """One Dense layer on the inputs, as the doc's example (a relu before it would hide a NaN)."""

    def build(keras: ModuleType) -> Any:
        model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=loss)
        return model

    return build


# LG030: binary cross-entropy labels outside [0, 1] (class indices 0, 1, 2 given to one sigmoid).
pair(
    "LG030/binary-labels",
    fits(dense(1, "sigmoid"), "binary_crossentropy", None, X, (Y % 3).astype("float32"), truth="none"),
    fits(dense(1, "sigmoid"), "binary_crossentropy", None, XB, YB.astype("float32"), truth="none"),
)

# LG031: NaN in the inputs.
pair(
    "LG031",
    lambda f: train(
        f, linear("mse"), np.full((64, FEATURES), np.nan, dtype="float32"), YR[:64], truth="none"
    ),
    lambda f: train(f, linear("mse"), XR[:64], YR[:64], truth="none"),
)

# LG032: a probability loss fed values outside [0, 1].
pair(
    "LG032",
    fits(
        lambda k: [k.layers.Dense(CLASSES), k.layers.Rescaling(4.0, offset=-1.0)],
        "categorical_crossentropy",
        None,
        X,
        one_hot(Y),
    ),
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, X, one_hot(Y)),
)


def _binary(fit: dict[str, Any]) -> Callable[[str], Run]:
    return fits(dense(1, "sigmoid"), "binary_crossentropy", ["accuracy"], XB, YB.astype("float32"), fit=fit)


# LG040: a string where Keras wants a boolean.
pair("LG040", _binary({"shuffle": "False"}), _binary({"shuffle": False}))
pair("LG040/verbose", _binary({"verbose": "0"}), _binary({"verbose": 0}))
# LG041: a value Keras removed.
pair("LG041", _binary({"class_weight": "auto"}), _binary({}))


def _steps(steps: int) -> Callable[[str], Run]:
    """An endless batch generator, as flow_from_directory is: count the batches one epoch draws."""

    def run(flavour: str) -> Run:
        drawn = [0]

        def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            labels = one_hot(Y)
            while True:
                for start in range(0, SAMPLES, 32):
                    drawn[0] += 1
                    yield X[start : start + 32], labels[start : start + 32]

        measured = train(
            flavour,
            compiled(dense(CLASSES, "softmax"), "categorical_crossentropy", ["accuracy"]),
            batches(),  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            truth="none",
            epochs=1,
            fit={"steps_per_epoch": steps},
            predict=X,
        )
        measured.batches_drawn = drawn[0]
        return measured

    return run


# LG042: steps_per_epoch given the number of samples instead of batches.
pair("LG042", _steps(SAMPLES), _steps(SAMPLES // 32))


# LG009: softmax and categorical cross-entropy on multi-hot rows (several labels true at once).
pair(
    "LG009",
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, XM, YM, truth="threshold", epochs=10),
    fits(dense(CLASSES, "sigmoid"), "binary_crossentropy", None, XM, YM, truth="threshold", epochs=10),
)

# LG013: a sigmoid output on a regression whose targets are far above 1 (prices around 50).
pair(
    "LG013",
    fits(dense(1, "sigmoid"), "mse", ["mae"], XR, YR, truth="none", epochs=10),
    fits(dense(1), "mse", ["mae"], XR, YR, truth="none", epochs=10),
)

# LG025: keras.metrics.Accuracy() (exact equality) on a softmax classifier.
pair(
    "LG025",
    fits(
        dense(CLASSES, "softmax"), "categorical_crossentropy", lambda k: [k.metrics.Accuracy()], X, one_hot(Y)
    ),
    fits(
        dense(CLASSES, "softmax"),
        "categorical_crossentropy",
        lambda k: [k.metrics.CategoricalAccuracy()],
        X,
        one_hot(Y),
    ),
)

# LG043: class_weight on multi-hot rows: Keras weighs each row by its arg-max column.
pair(
    "LG043",
    fits(
        dense(CLASSES, "sigmoid"),
        "binary_crossentropy",
        None,
        XM,
        YM,
        truth="threshold",
        fit={"class_weight": {0: 1.0, 1: 50.0, 2: 1.0, 3: 1.0, 4: 1.0}},
    ),
    fits(dense(CLASSES, "sigmoid"), "binary_crossentropy", None, XM, YM, truth="threshold"),
)


# LG043 on segmentation masks: class ids per pixel, weighted with class_weight.
_SCANS = np.random.default_rng(3).random((16, 32, 32, 1)).astype("float32")
_MASKS = (_SCANS[..., 0] * 4).astype("int64").clip(0, 3)  # four classes, one id per pixel
_PIXEL_WEIGHTS = np.array([0.5, 1.0, 2.0, 4.0], "float32")


def _segmenter(keras: ModuleType) -> Any:
    inputs = keras.Input((32, 32, 1))
    hidden = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    outputs = keras.layers.Conv2D(4, 1, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model


pair(
    "LG043/masks",
    lambda flavour: train(
        flavour,
        _segmenter,
        _SCANS,
        _MASKS,
        truth="none",
        fit={"class_weight": {i: float(w) for i, w in enumerate(_PIXEL_WEIGHTS)}},
    ),
    lambda flavour: train(
        flavour, _segmenter, _SCANS, _MASKS, truth="none", fit={"sample_weight": _PIXEL_WEIGHTS[_MASKS]}
    ),
)

# LG011 for losses that read one-hot rows: KL divergence fed one column of class ids.
pair(
    "LG011/one-hot-loss",
    fits(dense(CLASSES, "softmax"), "kld", None, X, Y.reshape(-1, 1).astype("float32")),
    fits(dense(CLASSES, "softmax"), "kld", None, X, one_hot(Y)),
)


def _validated(flavour: str, build: Callable[[ModuleType], Any], callbacks: Any) -> Run:
    """Eight epochs on overlapping binary classes, a quarter held out for the callbacks' val_ keys."""
    return train(
        flavour,
        build,
        XH2,
        YH2,
        truth="threshold",
        epochs=8,
        callbacks=callbacks,
        fit={"validation_split": 0.25},
    )


def _second_auc(named: bool) -> Callable[[str], Run]:
    """A model built in a loop: an earlier AUC() exists, so Keras numbers this one (auc_1)."""

    def run(flavour: str) -> Run:
        def build(keras: ModuleType) -> Any:
            keras.metrics.AUC()  # the first fold's metric
            auc = keras.metrics.AUC(name="auc") if named else keras.metrics.AUC()
            model = mlp(keras, dense(1, "sigmoid")(keras))
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=[auc])
            return model

        def callbacks(keras: ModuleType, scratch: Path) -> list[Any]:
            return [keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=1)]

        return _validated(flavour, build, callbacks)

    return run


# LG022 for auto-numbered metric names: the second AUC() of a session is logged as auc_1.
pair("LG022/numbered", _second_auc(named=False), _second_auc(named=True))


# LG021 for top-k: the one-hot metric fed one column of class ids.
pair(
    "LG021/top-k",
    fits(
        dense(CLASSES, "softmax"),
        "sparse_categorical_crossentropy",
        lambda k: [k.metrics.TopKCategoricalAccuracy(k=2)],
        XN,
        YN.reshape(-1, 1),
    ),
    fits(
        dense(CLASSES, "softmax"),
        "sparse_categorical_crossentropy",
        lambda k: [k.metrics.SparseTopKCategoricalAccuracy(k=2)],
        XN,
        YN.reshape(-1, 1),
    ),
)


# LG010 for losses that broadcast: one column of class ids against five softmax units under mse.
pair(
    "LG010/broadcast",
    fits(dense(CLASSES, "softmax"), "mse", None, X, Y.reshape(-1, 1).astype("float32")),
    fits(dense(CLASSES, "softmax"), "mse", None, X, one_hot(Y)),
)


# LG014: Poisson takes the log of a linear output, which goes negative.
pair(
    "LG014",
    fits(dense(1), "poisson", None, XB, YB.astype("float32"), truth="none"),
    fits(dense(1, "softplus"), "poisson", None, XB, YB.astype("float32"), truth="none"),
)

# LG014 for KL divergence on sigmoid rows, which do not sum to 1 and are not renormalised.
pair(
    "LG014/kl-sigmoid",
    fits(dense(CLASSES, "sigmoid"), "kld", None, X, one_hot(Y)),
    fits(dense(CLASSES, "softmax"), "kld", None, X, one_hot(Y)),
)

# LG030 for the losses beyond binary cross-entropy: MAPE on 0/1 targets divides by the zeros.
pair(
    "LG030/mape-zeros",
    fits(dense(1, "sigmoid"), "mape", None, XB, YB.astype("float32"), truth="threshold"),
    fits(dense(1, "sigmoid"), "mae", None, XB, YB.astype("float32"), truth="threshold"),
)

# LG025 for a metric's labels: binary accuracy on −1/+1 labels (hinge-trained) never counts a −1.
pair(
    "LG025/signed-labels",
    fits(
        dense(1),
        "hinge",
        lambda k: [k.metrics.BinaryAccuracy(threshold=0.0)],
        XB,
        (YB * 2 - 1).astype("float32"),
        truth="none",
    ),
    fits(
        dense(1),
        "hinge",
        lambda k: [k.metrics.BinaryAccuracy(threshold=0.0)],
        XB,
        YB.astype("float32"),
        truth="none",
    ),
)


def metric_twins(
    name: str, head: Any, loss: Any, bad: Any, good: Any, x: Any, y: Any, **options: Any
) -> None:
    """A case whose two models differ only in the metric: the same training, two readings."""
    pair(name, fits(head, loss, bad, x, y, **options), fits(head, loss, good, x, y, **options))


# LG025 for MeanIoU on one sigmoid unit: sparse_y_pred=True truncates every probability to 0.
metric_twins(
    "LG025/iou-one-unit",
    dense(1, "sigmoid"),
    "binary_crossentropy",
    lambda k: [k.metrics.MeanIoU(num_classes=2)],
    lambda k: [k.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.5)],
    XB,
    YB.astype("float32"),
    truth="threshold",
)

# LG025 for F1Score (no threshold) on one 0/1 label column broadcast over three units.
pair(
    "LG025/f1-column",
    fits(
        dense(3, "sigmoid"),
        "mse",
        lambda k: [k.metrics.F1Score(average="macro")],
        XB,
        YB.reshape(-1, 1).astype("float32"),
        truth="threshold",
    ),
    fits(
        dense(1, "sigmoid"),
        "binary_crossentropy",
        lambda k: [k.metrics.F1Score(average="macro", threshold=0.5)],
        XB,
        YB.reshape(-1, 1).astype("float32"),
        truth="threshold",
    ),
)

# LG025 for Recall() and Precision() on a softmax over ten overlapping classes: every unit is
# thresholded at 0.5, so a right but unsure arg-max is not found (Recall) and the unsure
# answers, where the mistakes are, do not count (Precision). Read after training (validation =
# the data).
XR10, YR10 = single_label(10, spread=6.0)
_RECALL_FIT = {"validation_data": (XR10, one_hot(YR10, 10))}
for _pooled in ("Recall", "Precision"):
    _log = _pooled.lower()
    metric_twins(
        f"LG025/{_log}-softmax",
        dense(10, "softmax"),
        "categorical_crossentropy",
        lambda k, c=_pooled, n=_log: [getattr(k.metrics, c)(name=n)],
        lambda k, c=_pooled, n=_log: [getattr(k.metrics, c)(top_k=1, name=n)],
        XR10,
        one_hot(YR10, 10),
        epochs=3,
        fit=_RECALL_FIT,
    )

# LG025: a confusion-matrix metric (AUC, Precision, Recall) on several units and one column of ids.
pair(
    "LG025/threshold-ids",
    fits(
        dense(CLASSES, "softmax"),
        "sparse_categorical_crossentropy",
        lambda k: [k.metrics.AUC(name="auc"), k.metrics.Precision(name="precision")],
        X,
        Y,
    ),
    fits(
        dense(CLASSES, "softmax"),
        "categorical_crossentropy",
        lambda k: [k.metrics.AUC(name="auc"), k.metrics.Precision(class_id=0, name="precision")],
        X,
        one_hot(Y),
    ),
)

# LG030 for class ids divided by 255 like the images: the sparse loss truncates them to class 0.
pair(
    "LG030/ids-scaled",
    fits(
        dense(CLASSES, "softmax"),
        "sparse_categorical_crossentropy",
        ["accuracy"],
        X,
        (Y / 255.0).astype("float32"),
    ),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
)

# LG030 for ids counted from 1 (ratings 1…5) and for a void label 255 under a sparse loss.
_VOIDED = Y.copy()
_VOIDED[::10] = 255
pair(
    "LG030/ids-from-one",
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y + 1),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, Y),
)
pair(
    "LG030/void-255",
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", ["accuracy"], X, _VOIDED),
    fits(
        dense(CLASSES, "softmax"),
        lambda k: k.losses.SparseCategoricalCrossentropy(ignore_class=255),
        None,
        X,
        _VOIDED,
        truth="none",
    ),
)


def _tagged_sequences(samples: int = 400, steps: int = 40, vocab: int = 50, tags: int = 6):
    """Token sequences of 4–9 tokens padded with 0 to ``steps``; each token's tag follows from
    its id, tag 0 is the padding."""
    rng = np.random.default_rng(0)
    x = np.zeros((samples, steps), "int32")
    y = np.zeros((samples, steps), "int32")
    for row, length in enumerate(rng.integers(4, 10, samples)):
        tokens = rng.integers(1, vocab, length)
        x[row, :length] = tokens
        y[row, :length] = 1 + tokens % (tags - 1)
    return x, y


XS, YS = _tagged_sequences()


def _tagger(mask_zero: bool, one_hot: bool = False) -> Callable[[str], Run]:
    """``one_hot``: the padded tag ids one-hot encoded (to_categorical), categorical CE."""

    def run(flavour: str) -> Run:
        def build(keras: ModuleType) -> Any:
            inputs = keras.Input((XS.shape[1],))
            h = keras.layers.Embedding(50, 16, mask_zero=mask_zero)(inputs)
            h = keras.layers.LSTM(16, return_sequences=True)(h)
            outputs = keras.layers.TimeDistributed(keras.layers.Dense(6, activation="softmax"))(h)
            model = keras.Model(inputs, outputs)
            loss = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
            model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
            return model

        tags = np.eye(6, dtype="float32")[YS] if one_hot else YS
        return train(flavour, build, XS, tags, truth="tokens", epochs=3)

    return run


# LG015: padded tag sequences, nothing masks the padding: the padding is what the model learns.
pair("LG015", _tagger(mask_zero=False), _tagger(mask_zero=True))


def _best_auc_checkpoints(mode: str) -> Callable[[str], Run]:
    """ModelCheckpoint(save_best_only=True) on a slowly rising val_auc, one file per saved epoch;
    mode as given ('auto': the Keras version decides which way is better)."""

    def run(flavour: str) -> Run:
        def build(keras: ModuleType) -> Any:
            model = mlp(keras, dense(1, "sigmoid")(keras))
            model.compile(
                optimizer=keras.optimizers.SGD(0.002),
                loss="binary_crossentropy",
                metrics=[keras.metrics.AUC(name="auc")],
            )
            return model

        def callbacks(keras: ModuleType, scratch: Path) -> list[Any]:
            path = str(scratch / "best-{epoch:02d}.weights.h5")
            return [
                keras.callbacks.ModelCheckpoint(
                    path, monitor="val_auc", mode=mode, save_best_only=True, save_weights_only=True
                )
            ]

        return _validated(flavour, build, callbacks)

    return run


# LG023 for mode='auto' before Keras 3: only names with 'acc' are maximised by ModelCheckpoint
# (and ReduceLROnPlateau); AUC, precision, recall, F1 and IoU are minimised.
pair("LG023/auto", _best_auc_checkpoints("auto"), _best_auc_checkpoints("max"))


def _two_outputs(
    metrics: Callable[[ModuleType], Any],
    losses: tuple[str, str] | dict[str, str] = ("categorical_crossentropy", "mse"),
) -> Callable[[str], Run]:
    """A class (softmax 'kind') and a price (linear 'price') predicted from the same features,
    compiled with ``losses`` as a list (Keras gives the first to 'kind') or a dict (keyed by
    output name) and ``metrics``. The accuracy is computed by hand on 'kind'."""

    def run(flavour: str) -> Run:
        def build(keras: ModuleType) -> Any:
            inputs = keras.Input((FEATURES,))
            hidden = keras.layers.Dense(32, activation="relu")(inputs)
            kind = keras.layers.Dense(CLASSES, activation="softmax", name="kind")(hidden)
            price = keras.layers.Dense(1, name="price")(hidden)
            model = keras.Model(inputs, [kind, price])
            loss = dict(losses) if isinstance(losses, dict) else list(losses)
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=metrics(keras))
            return model

        return train(flavour, build, X, [one_hot(Y), YR], truth="argmax")

    return run


# LG021 for one metric list over outputs of different kinds: before Keras 3 'accuracy' is also
# computed on the regression output (Keras 3 raises on a flat list for several outputs).
pair(
    "LG021/shared-metrics",
    _two_outputs(lambda k: ["accuracy"]),
    _two_outputs(lambda k: {"kind": ["accuracy"], "price": ["mae"]}),
)


# LG016: the loss list in the other order than the outputs (Keras pairs them by position).
pair(
    "LG016",
    _two_outputs(lambda k: {"price": ["mae"]}, ("mse", "categorical_crossentropy")),
    _two_outputs(lambda k: {"price": ["mae"]}),
)


def per_class_f1(average: str | None, callback: str = "EarlyStopping") -> Callable[[str], Run]:
    """Five softmax classes scored with F1Score(average=...), a callback on 'val_f1_score'
    (EarlyStopping, or ModelCheckpoint with save_best_only=True). When fit() raises,
    ``epochs_run`` is the number of epochs that ended before it did (a callback ahead of the
    rule's one counts them)."""

    def build(keras: ModuleType) -> Any:
        model = mlp(keras, dense(CLASSES, "softmax")(keras))
        model.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss="categorical_crossentropy",
            metrics=[keras.metrics.F1Score(average=average)],
        )
        return model

    def run(flavour: str) -> Run:
        ended: list[int] = []

        def callbacks(keras: ModuleType, scratch: Path) -> list[Any]:
            counter = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ended.append(epoch))
            if callback == "EarlyStopping":
                watcher = keras.callbacks.EarlyStopping(monitor="val_f1_score", mode="max", patience=2)
            else:
                suffix = ".keras" if keras.__version__.startswith("3") else ".h5"
                watcher = keras.callbacks.ModelCheckpoint(
                    str(scratch / ("epoch{epoch:02d}" + suffix)),
                    monitor="val_f1_score",
                    mode="max",
                    save_best_only=True,
                )
            return [counter, watcher]

        measured = train(
            flavour, build, X, one_hot(Y), epochs=4, callbacks=callbacks, fit={"validation_split": 0.25}
        )
        if measured.error is not None:
            measured.epochs_run = len(ended)
        return measured

    return run


# LG016 for a loss dict: a key that names no output ('prices' for the output layer 'price').
pair(
    "LG016/dict-keys",
    _two_outputs(lambda k: None, {"kind": "categorical_crossentropy", "prices": "mse"}),
    _two_outputs(lambda k: None, {"kind": "categorical_crossentropy", "price": "mse"}),
)
# LG022 for a key of one value per class: F1Score() (average=None) logs an array, which
# EarlyStopping cannot compare; the macro average logs one number.
pair("LG022/vector-monitor", per_class_f1(None), per_class_f1("macro"))


def _sparse_images(samples: int = SAMPLES) -> np.ndarray:
    """Image-like rows in [0, 1]: eight stroke patterns, about 75 % of every row exactly 0 (the
    background), the strokes of real brightness."""
    rng = np.random.default_rng(11)
    patterns = rng.random((8, FEATURES)) < 0.25
    rows = patterns[rng.integers(0, 8, samples)] * rng.uniform(0.3, 1.0, (samples, FEATURES))
    return rows.astype("float32")


XI = _sparse_images()
# LG021 for a reconstruction (fit(x, x)) with mse: 'accuracy' is categorical accuracy on several
# outputs (which pixel is brightest) and binary accuracy on one channel (exact 0/1 values: the
# background), neither of which says how close the reconstruction is.
pair(
    "LG021/reconstruction",
    fits(dense(FEATURES, "sigmoid"), "mse", ["accuracy"], XI, XI, truth="argmax", epochs=20),
    fits(dense(FEATURES, "sigmoid"), "mse", ["mae"], XI, XI, truth="none", epochs=20),
)


def _one_channel(metric: str, truth: str) -> Callable[[str], Run]:
    """The rows reconstructed as one channel of FEATURES values (an image of one channel)."""

    def head(keras: ModuleType) -> list[Any]:
        return [keras.layers.Dense(FEATURES, activation="sigmoid"), keras.layers.Reshape((FEATURES, 1))]

    return fits(head, "mse", [metric], XI, XI.reshape(-1, FEATURES, 1), truth=truth, epochs=20)


pair("LG021/reconstruction-one-channel", _one_channel("accuracy", "threshold"), _one_channel("mae", "none"))


# LG015 for one-hot tags: to_categorical of the padded ids makes every padded step a one-hot row
# of class 0, which categorical cross-entropy and the accuracy count like a token.
pair("LG015/one-hot", _tagger(mask_zero=False, one_hot=True), _tagger(mask_zero=True, one_hot=True))


def _flattened_map(softmax: bool) -> Callable[[str], Run]:
    """A map of FEATURES values (a saliency map) learnt with KL divergence against a
    distribution over its pixels: relu then Flatten, or linear, Flatten, then the softmax."""

    def head(keras: ModuleType) -> list[Any]:
        layers = [
            keras.layers.Dense(FEATURES, activation=None if softmax else "relu"),
            keras.layers.Reshape((4, FEATURES // 4)),
            keras.layers.Flatten(),
        ]
        return layers + ([keras.layers.Activation("softmax")] if softmax else [])

    return fits(head, "kl_divergence", None, X, YMAP, epochs=20)


YMAP = (np.exp(2 * X) / np.exp(2 * X).sum(axis=1, keepdims=True)).astype("float32")
# LG014 for a map flattened after an element-wise activation: KL divergence reads the flat row as
# a distribution, but a relu map is not one; the softmax belongs after the Flatten.
pair("LG014/flattened-map", _flattened_map(softmax=False), _flattened_map(softmax=True))


# LG010: one column of whole numbers (ids from 1) or of real values under categorical
# cross-entropy on five units: a shape error, whatever the values.
pair(
    "LG010/id-column-cce",
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, X, (Y + 1).reshape(-1, 1)),
    fits(dense(CLASSES, "softmax"), "sparse_categorical_crossentropy", None, X, Y),
)
pair(
    "LG010/real-column-cce",
    fits(dense(CLASSES, "softmax"), "categorical_crossentropy", None, X, YR.reshape(-1, 1)),
    fits(dense(1), "mse", None, X, YR.reshape(-1, 1)),
)


# LG025 for Precision() and Recall() on two softmax units (a spam filter with one-hot labels):
# exactly one of two softmax units exceeds 0.5 in every row, so both count every sample once and
# report the accuracy; Precision(class_id=1) / Recall(class_id=1) are the spam class's.
_XS2, _YS2 = single_label(2, spread=12.0)  # overlapping: a model right on most samples, not all
_KEEP = np.concatenate([np.flatnonzero(_YS2 == 0), np.flatnonzero(_YS2 == 1)[::4]])  # 1 spam in 5
XS2, YS2 = _XS2[_KEEP], one_hot(_YS2[_KEEP], 2)
metric_twins(
    "LG025/pooled-two-softmax",
    dense(2, "softmax"),
    "categorical_crossentropy",
    lambda k: ["accuracy", k.metrics.Precision(name="precision"), k.metrics.Recall(name="recall")],
    lambda k: [
        "accuracy",
        k.metrics.Precision(class_id=1, name="precision"),
        k.metrics.Recall(class_id=1, name="recall"),
    ],
    XS2,
    YS2,
    epochs=5,
    fit={"validation_data": (XS2, YS2)},
)


def main(names: list[str]) -> None:
    for name, chosen in CASES.items():
        if names and not any(name == n or name.startswith(n + "/") for n in names):
            continue
        for flavour in chosen.flavours:
            bad, good = chosen.bad(flavour), chosen.good(flavour)
            print(f"{name} [{bad.version}]\n  bad:  {summary(bad)}\n  good: {summary(good)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
