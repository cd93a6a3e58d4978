"""lossguard: catches the silent mistakes in Keras training code.

The public API (``check``, ``Report``, ``Finding``, ``Fix``, ``Edit``) lives in
``lossguard.api`` and is imported on first use (PEP 562): ``lossguard check`` and
``import lossguard.facts`` stay as light as they were. ``%load_ext lossguard`` loads the
IPython extension of ``lossguard.face.notebook``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

if TYPE_CHECKING:
    from lossguard.api import CheckError, Edit, Finding, Fix, Related, Report, check

__all__ = ["CheckError", "Edit", "Finding", "Fix", "Related", "Report", "__version__", "check"]
_API = {"CheckError", "Edit", "Finding", "Fix", "Related", "Report", "check"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from lossguard import api

        return getattr(api, name)
    raise AttributeError(f"module 'lossguard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lossguard``: check each executed cell, and ``%lossguard live on``."""
    from lossguard.face.notebook import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from lossguard.face.notebook import unload

    unload(ipython)
