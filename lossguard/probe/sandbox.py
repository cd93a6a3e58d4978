"""The probe's guards against the outside world: no network, no downloads, no pretrained fetches.

Python-level guards in the child process: best-effort against a determined script, complete for
what Keras and ordinary training scripts do (the README states the level of containment).
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from lossguard.probe.context import RUN


class NetworkBlocked(OSError):
    pass


def _blocked(*_args: Any, **_kwargs: Any) -> Any:
    raise NetworkBlocked("network access is disabled inside the lossguard probe")


def guard_network() -> None:
    original_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return original_connect(self, address)
        raise NetworkBlocked("network access is disabled inside the lossguard probe")

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.create_connection = _blocked
    socket.getaddrinfo = _blocked


def replace_everywhere(name: str, original: Any, replacement: Any, prefixes: tuple[str, ...]) -> None:
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        try:
            if getattr(module, name, None) is original:
                setattr(module, name, replacement)
        except Exception:
            continue


def patch_downloads(prefix: str) -> None:
    prefixes = (prefix, "tensorflow")
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes) or "applications" not in module_name:
            continue
        for attr in dir(module):
            value = getattr(module, attr, None)
            if not callable(value) or not attr[:1].isupper() or getattr(value, "_lossguard", False):
                continue
            code = getattr(value, "__code__", None)
            if code is None or "weights" not in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
                continue
            replace_everywhere(attr, value, _no_pretrained(value, attr), prefixes)
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefixes):
            continue
        original = getattr(module, "get_file", None)
        if callable(original) and not getattr(original, "_lossguard", False):
            replace_everywhere("get_file", original, _no_download, prefixes)


def _no_download(*args: Any, **kwargs: Any) -> Any:
    origin = kwargs.get("origin") or (args[1] if len(args) > 1 else args[0] if args else "?")
    raise NetworkBlocked(f"get_file({origin!r}): downloads are disabled inside the lossguard probe")


_no_download._lossguard = True  # type: ignore[attr-defined]


def _no_pretrained(function: Any, name: str) -> Any:
    import inspect

    signature = inspect.signature(function)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        weights = bound.arguments.get("weights", signature.parameters["weights"].default)
        if isinstance(weights, str) and not os.path.exists(weights):
            bound.arguments["weights"] = None
            RUN.notes.append(
                f"{name}(weights={weights!r}) built with weights=None (no downloads in the probe)"
            )
        return function(*bound.args, **bound.kwargs)

    wrapper._lossguard = True  # type: ignore[attr-defined]
    wrapper.__name__ = name
    return wrapper


class NoShell:
    """``get_ipython()`` for a probed notebook: magics and shell escapes do nothing.

    The notebook's code reaches the probe as IPython turned it into Python (``!pip install``
    became ``get_ipython().system(...)``); nothing of it runs: no shell, no magics.
    """

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def __getattr__(self, name: str) -> Any:
        def ignored(*args: Any, **kwargs: Any) -> None:
            RUN.notes.append(f"IPython {name}{args!r} skipped by the probe")

        return ignored
