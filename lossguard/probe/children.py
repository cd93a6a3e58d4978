"""The probe's guards in the Python processes the script starts with ``multiprocessing``'s
spawn start method: a fresh interpreter that would otherwise run without any of them (no write
or network guard, and a ``fit()`` that trains fully).

The harness makes spawn's command line call ``contain()`` before ``spawn_main``: the child
gets the network and write guards, and any Keras ``fit`` it reaches ends it instead of training
(the facts come from the script's own process; a child only has to stop).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from lossguard.probe.intercept import PatchOnImport
from lossguard.probe.sandbox import WriteGuard, guard_network

_PREFIX = "import lossguard.probe.children as _lossguard; _lossguard.contain(); "


def contain() -> None:
    """Install the guards in this (spawned) child process."""
    guard_network()
    scratch = os.environ.get("LOSSGUARD_PROBE_SCRATCH")
    if scratch:
        WriteGuard(scratch).install()
    for name in ("keras", "tf_keras"):
        if name in sys.modules:
            stop_training(sys.modules[name])
        else:
            sys.meta_path.insert(0, PatchOnImport(name, stop_training))
    patch_spawn()  # its own children too


def stop_training(keras_module: Any) -> None:
    """Every ``fit``/``fit_generator``/``train_on_batch`` of this Keras ends the process."""
    model = getattr(keras_module, "Model", None)
    if model is None:
        return

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise SystemExit("lossguard probe: training in a child process is stopped at the first step")

    for method in ("fit", "fit_generator", "train_on_batch"):
        for owner in model.__mro__:
            if owner is not object and method in vars(owner):
                setattr(owner, method, stopped)


def patch_spawn() -> None:
    """multiprocessing's spawn command line runs ``contain()`` first."""
    import multiprocessing.spawn as spawn

    original = spawn.get_command_line
    if getattr(original, "_lossguard", False):
        return

    def command_line(**kwargs: Any) -> list[str]:
        command: list[str] = original(**kwargs)
        if "-c" in command:
            index = command.index("-c") + 1
            command[index] = _PREFIX + command[index]
        return command

    command_line._lossguard = True  # type: ignore[attr-defined]
    spawn.get_command_line = command_line
