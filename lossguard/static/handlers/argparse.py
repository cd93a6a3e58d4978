"""Hyperparameters outside literals: argparse defaults and namespaces hold the loss, the units …

``parser.add_argument('--loss', default='mse')`` makes ``args.loss`` the constant 'mse' (what
the script does when run as documented); a required argument, or one without a default, is
unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import UNKNOWN, ClassVal, Const, InstanceVal, MethodVal, ParserVal, SeqVal, Value

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

_NAMESPACE = ClassVal("Namespace", is_model=False)


@function("argparse.ArgumentParser")
def parser(ev: Interpreter, call: Call) -> Value:
    return ParserVal({})


@methods(ParserVal)
def parser_method(ev: Interpreter, obj: ParserVal, name: str, call: Call) -> Value:
    args = call.args
    if name in ("add_argument_group", "add_mutually_exclusive_group"):
        return obj
    if name == "add_argument":
        flags = [a.value for a in args.positional if isinstance(a, Const) and isinstance(a.value, str)]
        dest = args.get(None, "dest")
        key = dest.value if isinstance(dest, Const) and isinstance(dest.value, str) else None
        if key is None and flags:
            longest = max(flags, key=lambda f: (f.startswith("--"), len(f)))
            key = longest.lstrip("-").replace("-", "_")
        if key:
            default = args.get(None, "default")
            required = args.get(None, "required")
            known = default is not None and not (isinstance(required, Const) and required.value is True)
            obj.defaults[key] = default if known and default is not None else UNKNOWN
        return UNKNOWN
    if name == "parse_args":
        return InstanceVal(_NAMESPACE, dict(obj.defaults))
    if name == "parse_known_args":
        return SeqVal([InstanceVal(_NAMESPACE, dict(obj.defaults)), UNKNOWN], True)
    return UNKNOWN


@attributes(ParserVal)
def parser_attribute(ev: Interpreter, obj: ParserVal, attr: str) -> Value:
    return MethodVal(obj, attr)


@function("types.SimpleNamespace", "argparse.Namespace")
def namespace(ev: Interpreter, call: Call) -> Value:
    return InstanceVal(_NAMESPACE, dict(call.args.keywords))
