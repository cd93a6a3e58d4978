"""pandas: ``pd.get_dummies`` is a one-hot frame, one column per class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.facts import LabelEncoding
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import function
from lossguard.static.values import UNKNOWN, Const, LabelVal, Value

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter


@function("pandas.get_dummies")
def get_dummies(ev: Interpreter, call: Call) -> Value:
    """One column per class; with ``drop_first=True`` one fewer — two classes make ONE 0/1
    column, and no row of more classes is one-hot (the first class is all zeros)."""
    drop = call.args.get(None, "drop_first")
    if drop is None or (isinstance(drop, Const) and drop.value is False):
        return LabelVal(LabelEncoding.ONE_HOT, "pd.get_dummies(…)", ev.ref(call.node))
    return UNKNOWN
