"""scikit-learn: label encoders, toy datasets and train_test_split, so labels keep their facts.

``LabelBinarizer`` gives one-hot columns for three classes or more but a single 0/1 column for
two, so its encoding is known only with the class count (see ``_binarized``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.facts import LabelEncoding
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    BunchVal,
    Const,
    EncoderVal,
    LabelVal,
    MethodVal,
    SeqVal,
    Value,
    int_value,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

_ENCODERS = {
    "OneHotEncoder": LabelEncoding.ONE_HOT,
    "LabelEncoder": LabelEncoding.INTEGER,
    "OrdinalEncoder": LabelEncoding.INTEGER,
    "MultiLabelBinarizer": LabelEncoding.MULTI_HOT,
}


@function(*(f"sklearn.preprocessing.{name}" for name in (*_ENCODERS, "LabelBinarizer")))
def encoder(ev: Interpreter, call: Call) -> Value:
    return EncoderVal(call.path.rsplit(".", 1)[-1])


@methods(EncoderVal)
def encoder_method(ev: Interpreter, obj: EncoderVal, name: str, call: Call) -> Value:
    if name == "fit":
        return obj  # sklearn's fit returns the estimator itself
    if name in ("fit_transform", "transform") and obj.kind in _SCALERS:
        origin = f"{obj.kind}().{name}(…)"
        low, high = _SCALED_RANGE.get(obj.kind, (None, None))
        return ArrayVal(ev.ref(call.node), continuous=True, origin=origin, low=low, high=high)
    if name in ("fit_transform", "transform") and obj.kind == "LabelBinarizer":
        return _binarized(ev, call, name)
    if name in ("fit_transform", "transform"):
        return LabelVal(_ENCODERS[obj.kind], f"{obj.kind}().{name}(…)", ev.ref(call.node))
    return UNKNOWN


def _binarized(ev: Interpreter, call: Call, name: str) -> Value:
    """``LabelBinarizer``: one-hot rows for three classes or more, ONE 0/1 column for two; with
    the class count unknown the encoding is unknown, except that an output wider than two units
    trained on it without a shape error can only be fed its one-hot rows."""
    given = call.args.get(0, "y")
    origin = f"LabelBinarizer().{name}(…)"
    ref = ev.ref(call.node)
    classes = (
        given.num_classes if isinstance(given, LabelVal) and given.encoding is LabelEncoding.INTEGER else None
    )
    if classes is not None and classes > 2:
        return LabelVal(LabelEncoding.ONE_HOT, origin, ref, classes, classes)
    if (classes == 2) or (isinstance(given, LabelVal) and given.encoding is LabelEncoding.BINARY):
        return LabelVal(LabelEncoding.BINARY, origin, ref, 2, 1)
    return LabelVal(LabelEncoding.UNKNOWN, origin, ref, wide_is_one_hot=True)


@attributes(EncoderVal)
def encoder_attribute(ev: Interpreter, obj: EncoderVal, attr: str) -> Value:
    return MethodVal(obj, attr)


def _dataset(ev: Interpreter, call: Call, labels: LabelVal) -> Value:
    return SeqVal([ArrayVal(ev.ref(call.node)), labels], True)


def _classes(ev: Interpreter, call: Call, given: Value | None, default: int, origin: str) -> Value:
    """(X, y) of a toy classification dataset with ``given`` (or ``default``) classes."""
    unset = given is None or (isinstance(given, Const) and given.value is None)
    classes = default if unset else int_value(given)
    if classes is None:
        return UNKNOWN
    encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
    return _dataset(ev, call, LabelVal(encoding, origin.format(classes), ev.ref(call.node), classes))


@function("sklearn.datasets.make_classification")
def make_classification(ev: Interpreter, call: Call) -> Value:
    return _classes(ev, call, call.args.get(None, "n_classes"), 2, "make_classification(n_classes={})")


@function("sklearn.datasets.make_blobs")
def make_blobs(ev: Interpreter, call: Call) -> Value:
    return _classes(ev, call, call.args.get(2, "centers"), 3, "make_blobs(centers={})")


@function("sklearn.datasets.make_circles", "sklearn.datasets.make_moons")
def make_two_classes(ev: Interpreter, call: Call) -> Value:
    name = call.path.rsplit(".", 1)[-1]
    return _dataset(ev, call, LabelVal(LabelEncoding.BINARY, f"{name}(…)", ev.ref(call.node), 2))


@function("sklearn.datasets.make_multilabel_classification")
def make_multilabel(ev: Interpreter, call: Call) -> Value:
    given = call.args.get(None, "n_classes")
    width = 5 if given is None else int_value(given)
    origin = f"make_multilabel_classification(n_classes={width})"
    return _dataset(ev, call, LabelVal(LabelEncoding.MULTI_HOT, origin, ev.ref(call.node), width, width))


# Toy datasets: regression targets are real values (their range, from scikit-learn's dataset
# descriptions); classification targets class indices.
_REGRESSION_LOADERS = {
    "fetch_california_housing": (0.14999, 5.00001),  # median house value in $100,000s
    "load_diabetes": (25.0, 346.0),
    "load_boston": (5.0, 50.0),
    "load_linnerud": (31.0, 247.0),
}
_CLASSIFICATION_LOADERS = {"load_iris": 3, "load_digits": 10, "load_wine": 3, "load_breast_cancer": 2}


@function(*(f"sklearn.datasets.{name}" for name in (*_REGRESSION_LOADERS, *_CLASSIFICATION_LOADERS)))
def toy_dataset(ev: Interpreter, call: Call) -> Value:
    """``(X, y)`` with ``return_X_y=True``, else a Bunch whose ``.target`` is y."""
    name = call.path.rsplit(".", 1)[-1]
    ref = ev.ref(call.node)
    target: Value
    if name in _CLASSIFICATION_LOADERS:
        classes = _CLASSIFICATION_LOADERS[name]
        if name == "load_digits" and call.args.get(0, "n_class") is not None:
            classes = int_value(call.args.get(0, "n_class")) or 0
        if not classes:
            return UNKNOWN
        encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
        target = LabelVal(encoding, f"{name}()", ref, classes)
    else:
        low, high = _REGRESSION_LOADERS[name]
        target = ArrayVal(ref, continuous=True, origin=f"{name}()", low=low, high=high)
    split = call.args.get(None, "return_X_y")
    if isinstance(split, Const) and split.value is True:
        return SeqVal([ArrayVal(ref), target], True)
    if split is None or (isinstance(split, Const) and split.value is False):
        return BunchVal({"data": ArrayVal(ref), "target": target})
    return UNKNOWN


@function("sklearn.datasets.make_regression", *(f"sklearn.datasets.make_friedman{i}" for i in (1, 2, 3)))
def make_regression(ev: Interpreter, call: Call) -> Value:
    name = call.path.rsplit(".", 1)[-1]
    unbounded = name == "make_regression"  # a linear model plus Gaussian noise: any sign
    low, high = (-_INF, _INF) if unbounded else (None, None)
    target = ArrayVal(ev.ref(call.node), continuous=True, origin=f"{name}(…)", low=low, high=high)
    items: list[Value] = [ArrayVal(ev.ref(call.node)), target]
    coef = call.args.get(None, "coef")
    if isinstance(coef, Const) and coef.value is True:
        items.append(UNKNOWN)
    elif coef is not None and not isinstance(coef, Const):
        return UNKNOWN
    return SeqVal(items, True)


@attributes(BunchVal)
def bunch_attribute(ev: Interpreter, obj: BunchVal, attr: str) -> Value:
    return obj.fields.get(attr, UNKNOWN)


_SCALERS = (
    "StandardScaler",
    "MinMaxScaler",
    "RobustScaler",
    "MaxAbsScaler",
    "QuantileTransformer",
    "PowerTransformer",
    "Normalizer",
)


_INF = float("inf")
# What each scaler makes of data (default settings): centred ones give negative values too.
_SCALED_RANGE = {
    "StandardScaler": (-_INF, _INF),
    "RobustScaler": (-_INF, _INF),
    "PowerTransformer": (-_INF, _INF),
    "MinMaxScaler": (0.0, 1.0),
    "MaxAbsScaler": (-1.0, 1.0),
    "QuantileTransformer": (0.0, 1.0),
    "Normalizer": (-1.0, 1.0),
}


@function(*(f"sklearn.preprocessing.{name}" for name in _SCALERS))
def scaler(ev: Interpreter, call: Call) -> Value:
    return EncoderVal(call.path.rsplit(".", 1)[-1])


@function("sklearn.utils.shuffle")
def shuffled(ev: Interpreter, call: Call) -> Value:
    """``X, y = shuffle(X, y)``: the same arrays, rows reordered."""
    if call.args.has_star or not call.args.positional:
        return UNKNOWN
    if len(call.args.positional) == 1:
        return call.args.positional[0]
    return SeqVal(list(call.args.positional), True)


# Regression scores: a script that scores its predictions with one is doing a regression.
_REGRESSION_SCORES = (
    "r2_score",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_squared_log_error",
    "mean_absolute_percentage_error",
    "median_absolute_error",
    "explained_variance_score",
    "root_mean_squared_error",
)


@function(*(f"sklearn.metrics.{name}" for name in _REGRESSION_SCORES))
def regression_score(ev: Interpreter, call: Call) -> Value:
    ev.record.regression_score(call.path.rsplit(".", 1)[-1], ev.ref(call.node))
    return UNKNOWN


@function("sklearn.model_selection.train_test_split")
def train_test_split(ev: Interpreter, call: Call) -> Value:
    """(a_train, a_test, b_train, b_test, …): each array keeps what is known of it."""
    if call.args.has_star or not call.args.positional:
        return UNKNOWN
    out: list[Value] = []
    for array in call.args.positional:
        out += [array, array]
    return SeqVal(out, True)
