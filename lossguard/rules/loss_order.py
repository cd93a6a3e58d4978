"""LG016: losses that Keras pairs with other outputs than the ones they were written for.

Keras pairs ``loss=[…]`` with the outputs by position. The rule reads each loss's contract
(``keras/loss_contracts.py``) against each output and its labels: the written order breaks a
contract, and exactly one other order of the same list fits every output. Anything unknown (a
custom loss, a head or labels whose values are not known) keeps it silent.

A dict (``loss={…}``, ``metrics={…}``) is paired by output name, the name of each output's
layer: a key that names no output stops the first ``fit()``. Only read when every output's name
is written and each key is a known string.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches
from itertools import groupby, permutations

from lossguard.facts import KeyedArgument, Location, ModuleFacts, OutputHead, TrainingSetup
from lossguard.findings import Finding
from lossguard.keras.loss_contracts import LossContract
from lossguard.rules import words as w
from lossguard.rules.label_values import LabelValues, label_values, loss_contract, output_range, outside_01
from lossguard.rules.registry import Explains, Needs, at, finding, rule

_LONGEST = 4  # lists up to this long are tried in every order (4! = 24)


@dataclass(frozen=True)
class OrderMistake:
    """One compiled model whose loss list fits its outputs only in another order."""

    setups: tuple[TrainingSetup, ...]  # one per output, in the outputs' order
    order: tuple[int, ...]  # order[i]: the index in the written list of the loss output i needs

    @property
    def moved(self) -> tuple[TrainingSetup, ...]:
        """The outputs that get another loss once the list is reordered."""
        return tuple(s for i, s in enumerate(self.setups) if self.order[i] != i)


def order_mistakes(facts: ModuleFacts) -> Iterator[OrderMistake]:
    for group in _loss_lists(facts):
        contracts, outputs = _contracts(group), _outputs(group)
        if contracts is None or outputs is None:
            continue

        written = tuple(range(len(group)))
        as_written = _verdicts(contracts, outputs, written)
        if None in as_written or all(as_written):
            continue  # not known, or nothing breaks: the order is not in question
        if all(v is True for v in _verdicts(_as_logits(contracts, outputs), outputs, written)):
            continue  # from_logits=True on a linear output fits it as written: LG005 says so
        names = [s.loss.name if s.loss is not None else "" for s in group]
        fitting: dict[tuple[str, ...], tuple[int, ...]] = {}  # by the losses it gives, in order
        for order in permutations(written):
            losses = tuple(names[j] for j in order)
            if (
                losses != tuple(names)
                and losses not in fitting
                and all(v is True for v in _verdicts(contracts, outputs, order))
            ):
                fitting[losses] = order
        if len(fitting) == 1:  # several orders would fit: which one was meant is not known
            yield OrderMistake(group, next(iter(fitting.values())))


def _verdicts(
    contracts: Sequence[LossContract],
    outputs: Sequence[tuple[OutputHead, LabelValues | None]],
    order: Sequence[int],
) -> list[bool | None]:
    """Whether each output fits the loss ``order`` gives it (``order[i]``: the index of its loss)."""
    return [_fits(contracts[j], head, values) for j, (head, values) in zip(order, outputs, strict=True)]


def _as_logits(
    contracts: Sequence[LossContract], outputs: Sequence[tuple[OutputHead, LabelValues | None]]
) -> list[LossContract]:
    """The contracts with from_logits=True where a cross-entropy lands on a linear output."""
    return [
        replace(c, output="logits") if c.has_from_logits and output_range(head) == "real" else c
        for c, (head, _) in zip(contracts, outputs, strict=True)
    ]


def _contracts(group: Sequence[TrainingSetup]) -> list[LossContract] | None:
    contracts = [loss_contract(s) for s in group]
    return [c for c in contracts if c is not None] if None not in contracts else None


def _outputs(group: Sequence[TrainingSetup]) -> list[tuple[OutputHead, LabelValues | None]] | None:
    """Each output's head and its labels' values (None: the labels are not known)."""
    outputs = []
    for setup in group:
        if setup.head is None:
            return None
        outputs.append((setup.head, label_values(setup.labels) if setup.labels is not None else None))
    return outputs


def _models(facts: ModuleFacts) -> Iterator[tuple[TrainingSetup, ...]]:
    """The setups of each compiled model of several outputs, one per output in their order."""

    def model(setup: TrainingSetup) -> tuple[object, ...]:
        fit = setup.fit.location if setup.fit is not None else None
        return (setup.model_name, setup.compile_location, fit)

    for _, made in groupby(facts.setups, key=model):
        group = tuple(made)
        if len(group) >= 2 and group[0].output_count == len(group):
            yield group


def _loss_lists(facts: ModuleFacts) -> Iterator[tuple[TrainingSetup, ...]]:
    """The setups of each model compiled with a loss list, one per output in their order."""
    for group in _models(facts):
        if len(group) <= _LONGEST and all(
            s.loss is not None and s.loss.position == i for i, s in enumerate(group)
        ):
            yield group


@dataclass(frozen=True)
class KeyMistake:
    """A dict keyed by output name (``loss={…}``) with keys that name no output of the model."""

    setups: tuple[TrainingSetup, ...]  # one per output, in the outputs' order
    argument: KeyedArgument
    names: tuple[str, ...]  # the model's output names
    unknown: tuple[int, ...]  # the indices in ``argument.keys`` of the keys that name no output


def key_mistakes(facts: ModuleFacts) -> Iterator[KeyMistake]:
    for group in _models(facts):
        names = group[0].output_names
        if names is None or len(names) != len(group) or len(set(names)) != len(names):
            continue  # a name not written, or twice (tf_keras renames the second): not known
        for argument in group[0].keyed:
            unknown = tuple(i for i, key in enumerate(argument.keys) if key not in names)
            if unknown:
                yield KeyMistake(group, argument, names, unknown)


def _fits(contract: LossContract, head: OutputHead, values: LabelValues | None) -> bool | None:
    """Whether the loss can train this output on these labels: True, False, or None (unknown).
    Labels not known: the output decides alone."""
    produced = output_range(head)
    if produced is None:
        return None
    fits = _output_fits(contract, produced, head.output_units)
    if fits is not True or values is None:
        return fits
    return _labels_fit(contract, produced, head.output_units, values)


def _output_fits(contract: LossContract, produced: str, units: int | None) -> bool | None:
    wanted = contract.output
    if wanted in ("distribution", "probabilities"):
        # softmax for the categorical losses, sigmoid for the binary ones (LG001, LG002)
        return produced == wanted
    if wanted == "overlap":
        return produced in ("probabilities", "distribution")
    if wanted == "logits":  # logits of one unit: a categorical loss still has one class
        return produced == "real" and not (units == 1 and contract.labels in ("distribution", "class_ids"))
    if wanted in ("real", "positive"):
        return True  # the labels decide (LG013: a bounded output on targets beyond it)
    if wanted == "rate":
        return produced != "real"
    if wanted == "cosine":
        return None if units is None else units > 1
    return True if produced == "real" else None  # hinge: a signed score


def _labels_fit(contract: LossContract, produced: str, units: int | None, values: LabelValues) -> bool | None:
    kind, wanted = values.kind, contract.labels
    rows = kind in ("one_hot", "multi_hot", "distribution")
    if rows and values.columns is not None and units is not None and values.columns != units:
        return False
    outside = outside_01(values)
    if wanted == "distribution":
        if kind in ("one_hot", "distribution"):
            return True
        if kind in ("class_ids", "multi_hot"):
            return False
        return False if outside else None
    if wanted == "class_ids":
        if kind == "class_ids":
            return values.high is None or units is None or values.high < units
        return False if rows else None
    if wanted == "zero_one":
        return not outside if values.low is not None and values.high is not None else None
    if wanted == "real":
        return not (produced in ("probabilities", "distribution") and outside)
    if wanted == "non_negative":
        return None if values.low is None else values.low >= 0
    if wanted == "non_zero":
        if values.has_zero:
            return False
        return True if values.low is not None and values.low > 0 else None
    if wanted == "one_hot":
        return True if kind == "one_hot" else None
    if wanted == "signs":
        return True if kind == "bits" or {values.low, values.high} <= {-1.0, 0.0, 1.0} else None
    return True  # any (cosine similarity)


# The per-output findings an order mistake causes on the outputs whose loss it swaps: those that
# read the loss against the head or the labels.
_CONSEQUENCES = frozenset(
    (
        "LG001",
        "LG002",
        "LG004",
        "LG005",
        "LG007",
        "LG008",
        "LG009",
        "LG010",
        "LG011",
        "LG013",
        "LG014",
        "LG030",
    )
)


def _moved_setups(facts: ModuleFacts) -> Iterator[TrainingSetup]:
    for mistake in order_mistakes(facts):
        yield from mistake.moved


@rule(
    "LG016",
    # several outputs need a functional Model(…) (a Sequential has one): files without one are
    # not parsed for this rule; a list is read for its losses' contracts, a dict for the output
    # layers' names
    Needs(words=(rf"{w.CONTRACT_LOSS}|\bname\s*=", r"\bmodel\s*\(")),
    subject="module",
    explains=Explains(_CONSEQUENCES, _moved_setups),
)
def loss_order_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    for mistake in order_mistakes(facts):
        yield _finding(mistake)
    for keyed in key_mistakes(facts):
        yield _key_finding(keyed)


def _finding(mistake: OrderMistake) -> Finding:
    setups, order = mistake.setups, mistake.order
    losses = [s.loss for s in setups]
    heads = [s.head for s in setups]
    assert all(losses) and all(heads)
    names = [h.output_name if h is not None else None for h in heads]
    label = [f"'{n}'" if n is not None else f"output {i + 1}" for i, n in enumerate(names)]
    written = [loss.name if loss is not None else "?" for loss in losses]
    location = losses[0].location if losses[0] is not None else Location(setups[0].path)
    paired: list[str | Location] = []
    last = len(heads) - 1
    for i, (head, loss) in enumerate(zip(heads, written, strict=True)):
        assert head is not None
        joint = "" if i == 0 else " and " if i == last else ", "
        trained = " is trained with " if i == 0 else " with "
        paired += [joint, f"{label[i]} ({head.describe()} at ", at(head.location), f"){trained}{loss}"]
    right = [written[j] for j in order]
    fix = f"write the list in the order of the outputs: loss={_listed(right)}"
    if all(n is not None for n in names):
        keyed = ", ".join(f"'{n}': {_code(loss)}" for n, loss in zip(names, right, strict=True))
        fix += f", or a dict keyed by output name: loss={{{keyed}}}"
    return finding(
        "LG016",
        (
            f"loss={_listed(written)} is in another order than the model's outputs ({', '.join(label)}): "
            "Keras pairs the losses with the outputs by position, so ",
            *paired,
            f"; each loss fits an output only in the order {_listed(right)}. Training runs without "
            "an error, and an output whose loss does not fit it fails to learn (measured: a linear "
            "price given categorical_crossentropy had a loss of 0 from the "
            "first epoch and an MAE of 55.8, against 12.3–12.4 in the right order)",
        ),
        location,
        fix=fix,
        related=[(h.location, f"output {label[i]}") for i, h in enumerate(heads) if h is not None],
    )


def _code(name: str) -> str:
    """A loss as the fix writes it: a built-in's name as a string, a loss object as written."""
    return f"'{name}'" if name.isidentifier() else name


def _listed(names: Sequence[str]) -> str:
    return "[" + ", ".join(_code(n) for n in names) + "]"


def _key_finding(mistake: KeyMistake) -> Finding:
    argument, names = mistake.argument, mistake.names
    keys = argument.keys
    unknown = [keys[i] for i in mistake.unknown]
    unused = [n for n in names if n not in keys]
    heads = [s.head for s in mistake.setups]
    written = "{" + ", ".join(f"'{k}': …" for k in keys) + "}"
    outputs = _joined([f"'{n}'" for n in names])
    quoted = _joined([f"'{k}'" for k in unknown])
    which = f"the key {quoted} in" if len(unknown) == 1 else f"the keys {quoted} in"
    verb = "names" if len(unknown) == 1 else "name"
    if argument.param == "loss":  # measured in tests/consequences ("LG016/dict-keys")
        keras3 = f'Keras 3 "Expected keys {list(names)} in loss dict, but found loss.keys()={list(keys)}"'
    else:
        keras3 = (
            f'Keras 3 "Invalid `{argument.param}`. `{argument.param}` should contain metrics objects and '
            f'either be a dict or a list matching the output names of the functional model {list(names)} …"'
        )
    tf_keras = (
        'tf_keras "Found unexpected losses or metrics that do not correspond to any Model output: '
        f'dict_keys({unknown})"'
    )
    message = (
        f"{which} {argument.param}={written} {verb} no output of the model: Keras pairs the dict "
        f"with the outputs by the names of their layers, {outputs}, and the first fit() raises a "
        f"ValueError before any training (measured: {keras3}; {tf_keras})"
    )
    suggestions, chosen = [], set()
    for key in unknown:
        close = get_close_matches(key, unused, n=2, cutoff=0.6)
        if len(close) == 1:  # one output name is close: a near miss
            suggestions.append(f"'{close[0]}' instead of '{key}'")
            chosen.add(close[0])
    if len(suggestions) == len(unknown) == len(chosen):
        fix = f"use {_joined(suggestions)}"
    else:
        fix = f"key {argument.param}= by the names of the output layers: {outputs}"
    return finding(
        "LG016",
        message,
        argument.key_locations[mistake.unknown[0]],
        fix=fix,
        related=[(h.location, f"output '{n}'") for h, n in zip(heads, names, strict=True) if h is not None],
    )


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
