"""LG016: a loss list in another order than the outputs is named once, from evidence only."""

from __future__ import annotations

from tests.conftest import check, codes

TWO_HEADS = """
import numpy as np
import keras

x = np.random.rand(512, 8)
price = np.random.rand(512, 1) * 100
kind = keras.utils.to_categorical(np.random.randint(0, 3, 512), 3)

inputs = keras.Input((8,))
hidden = keras.layers.Dense(32, activation="relu")(inputs)
price_out = keras.layers.Dense(1, name="price")(hidden)
kind_out = keras.layers.Dense(3, activation="softmax", name="kind")(hidden)
model = keras.Model(inputs, [price_out, kind_out])
model.compile(optimizer="adam", loss=LOSS)
model.fit(x, [price, kind], epochs=5)
"""


def two_heads(loss: str) -> str:
    return TWO_HEADS.replace("LOSS", loss)


def test_the_swapped_list_is_one_finding_that_names_both_pairings_and_the_fix() -> None:
    (found,) = check(two_heads('["categorical_crossentropy", "mse"]'))
    assert found.code == "LG016" and found.location.line == 14
    assert "'price' (Dense(1, linear) at line 11) is trained with categorical_crossentropy" in found.message
    assert "'kind' (Dense(3, softmax) at line 12) with mse" in found.message
    assert "by position" in found.message
    assert found.fix is not None
    assert "loss=['mse', 'categorical_crossentropy']" in found.fix
    assert "loss={'price': 'mse', 'kind': 'categorical_crossentropy'}" in found.fix


def test_the_per_output_findings_of_the_swap_come_back_when_lg016_is_off() -> None:
    source = two_heads('["categorical_crossentropy", "mse"]')
    assert sorted(codes(source, ignore=["LG016"])) == ["LG005", "LG030"]


def test_the_list_in_the_outputs_order_is_silent() -> None:
    assert codes(two_heads('["mse", "categorical_crossentropy"]')) == []


def test_a_dict_of_losses_pairs_by_name_and_is_silent() -> None:
    assert codes(two_heads('{"kind": "categorical_crossentropy", "price": "mse"}'), select=["LG016"]) == []


def test_a_custom_loss_in_the_list_keeps_it_silent() -> None:
    custom = two_heads('["categorical_crossentropy", price_loss]').replace(
        "inputs = keras.Input",
        "def price_loss(y_true, y_pred):\n    return keras.ops.mean(abs(y_true - y_pred))\n\n\ninputs = keras.Input",
    )
    assert codes(custom, select=["LG016"]) == []


def test_unknown_heads_keep_it_silent() -> None:
    unknown = two_heads('["categorical_crossentropy", "mse"]').replace(
        'keras.layers.Dense(3, activation="softmax", name="kind")',
        'keras.layers.Dense(3, activation=act, name="kind")',
    )
    assert codes(unknown, select=["LG016"]) == []


def test_the_same_list_for_two_outputs_of_one_kind_is_silent() -> None:
    # Two classifiers given each other's loss fit either way: nothing says the order is wrong.
    both = (
        two_heads('["categorical_crossentropy", "categorical_crossentropy"]')
        .replace('Dense(1, name="price")', 'Dense(3, activation="softmax", name="price")')
        .replace(
            "np.random.rand(512, 1) * 100", "keras.utils.to_categorical(np.random.randint(0, 3, 512), 3)"
        )
    )
    assert codes(both, select=["LG016"]) == []


def test_a_list_that_fits_in_no_order_is_left_to_the_per_output_rules() -> None:
    # Both outputs given a cross-entropy on a linear price: no order helps, LG005 says what is.
    wrong = two_heads('["categorical_crossentropy", "categorical_crossentropy"]')
    assert "LG016" not in codes(wrong)


THREE_HEADS = """
import numpy as np
import keras

x = np.random.rand(512, 8)
price = np.random.rand(512, 1) * 100
kind = keras.utils.to_categorical(np.random.randint(0, 3, 512), 3)
sold = np.random.randint(0, 2, (512, 1))

inputs = keras.Input((8,))
hidden = keras.layers.Dense(32, activation="relu")(inputs)
price_out = keras.layers.Dense(1, name="price")(hidden)
kind_out = keras.layers.Dense(3, activation="softmax", name="kind")(hidden)
sold_out = keras.layers.Dense(1, activation="sigmoid", name="sold")(hidden)
model = keras.Model(inputs, [price_out, kind_out, sold_out])
model.compile(optimizer="adam", loss=LOSS)
model.fit(x, [price, kind, sold], epochs=5)
"""


def test_three_outputs_rotated_find_the_one_order_that_fits() -> None:
    source = THREE_HEADS.replace("LOSS", '["binary_crossentropy", "mse", "categorical_crossentropy"]')
    (found,) = check(source)
    assert found.code == "LG016"
    assert "loss=['mse', 'categorical_crossentropy', 'binary_crossentropy']" in (found.fix or "")


def test_three_outputs_in_order_are_silent() -> None:
    source = THREE_HEADS.replace("LOSS", '["mse", "categorical_crossentropy", "binary_crossentropy"]')
    assert codes(source) == []


def test_only_the_outputs_whose_loss_moves_lose_their_findings() -> None:
    # price and kind swapped; 'sold' keeps its loss, and its own mistake (binary cross-entropy on
    # one-hot rows of three classes: LG007) is still reported.
    source = (
        THREE_HEADS.replace("LOSS", '["categorical_crossentropy", "mse", "binary_crossentropy"]')
        .replace('Dense(1, activation="sigmoid", name="sold")', 'Dense(3, activation="sigmoid", name="sold")')
        .replace(
            "np.random.randint(0, 2, (512, 1))", "keras.utils.to_categorical(np.random.randint(0, 3, 512), 3)"
        )
    )
    assert sorted(codes(source)) == ["LG007", "LG016"]
    assert sorted(codes(source, ignore=["LG016"])) == ["LG005", "LG007", "LG030"]


def test_one_compile_trained_twice_is_one_finding_and_no_fit_is_enough() -> None:
    source = two_heads('["categorical_crossentropy", "mse"]')
    assert codes(source + "model.fit(x, [price, kind], epochs=5)\n") == ["LG016"]
    # without fit() the labels are unknown: the heads alone decide
    assert codes(source.replace("model.fit(x, [price, kind], epochs=5)\n", "")) == ["LG016"]


def test_a_missing_from_logits_that_explains_it_as_written_is_left_to_lg005() -> None:
    # binary cross-entropy on a linear unit and mse on a sigmoid: swapping fits, but so does
    # from_logits=True as written (the sigmoid may regress a share in [0, 1]); LG005 says what is.
    source = (
        two_heads('["binary_crossentropy", "mse"]')
        .replace('Dense(3, activation="softmax", name="kind")', 'Dense(1, activation="sigmoid", name="kind")')
        .replace("price = np.random.rand(512, 1) * 100", "price = np.random.randint(0, 2, (512, 1))")
        .replace("keras.utils.to_categorical(np.random.randint(0, 3, 512), 3)", "np.random.rand(512, 1)")
    )
    assert codes(source) == ["LG005"]
    # with prices of 0–100 as its labels, binary cross-entropy fits no order but the swap
    priced = source.replace(
        "price = np.random.randint(0, 2, (512, 1))", "price = np.random.rand(512, 1) * 100"
    )
    assert codes(priced) == ["LG016"]
