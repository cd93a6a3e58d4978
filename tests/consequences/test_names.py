"""The plain list of case names (``names.py``, read by the rule-doc tests without numpy) is the
list of cases the harness builds."""

from __future__ import annotations

import pytest

from tests.consequences.names import NAMES


def test_names_are_the_cases() -> None:
    pytest.importorskip("numpy", reason="the cases are built with numpy (probe extra)")
    from tests.consequences.cases import CASES

    assert list(CASES) == NAMES
