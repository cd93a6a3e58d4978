"""pandas: ``pd.get_dummies`` is a one-hot frame, one column per class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.facts import LabelEncoding
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import function
from lossguard.static.values import LabelVal, Value

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter


@function("pandas.get_dummies")
def get_dummies(ev: Interpreter, call: Call) -> Value:
    return LabelVal(LabelEncoding.ONE_HOT, "pd.get_dummies(…)", ev.ref(call.node))
