"""The probe child's state for one run: the script, where the result goes, what was noted."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from lossguard.probe.protocol import VERSION, HarnessResult

BATCH = 8  # samples the probe evaluates and trains on
REAL_OPEN = open  # the write guard replaces builtins.open; the result file is ours to write


@dataclass
class Run:
    script: str = ""
    output: str = ""
    notes: list[str] = field(default_factory=list)
    synthetic: list[dict[str, Any]] = field(default_factory=list)
    compiles: dict[int, dict[str, Any]] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=lambda: {"start": time.perf_counter()})
    original_steps: dict[str, tuple[Any, Any]] = field(default_factory=dict)


RUN = Run()


def script_line() -> int | None:
    """The line of the user's script that is executing (the innermost frame in it)."""
    frame = sys._getframe(1)
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename) == RUN.script:
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def write_result(result: HarnessResult) -> None:
    result["version"] = VERSION
    result["notes"] = RUN.notes
    result["synthetic"] = RUN.synthetic
    result["timing"] = {k: v - RUN.timing["start"] for k, v in RUN.timing.items() if k != "start"}
    with REAL_OPEN(RUN.output, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=_jsonable)


def finish(result: HarnessResult) -> None:
    """Write the result and end the process at once: nothing after fit() ever runs, whatever
    the script catches (``except BaseException``) or wherever it called fit (a thread)."""
    write_result(result)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    try:
        return asdict(value)
    except TypeError:
        return str(value)
