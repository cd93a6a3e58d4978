"""Item 6 of issue 22: a file name cannot forge a finding line.

Text output printed raw newlines and escape codes from paths (and source lines with
``--show-source``): ``x.py\\nfake.py:1:1: LG001 …`` printed a second, fake finding. Control
characters are now escaped, as ruff and git print odd names; ``--format github`` too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY

FORGED = "x.py\nforged.py:1:1: LG001 [fake] all is well\x1b[2K\u202e"


def finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": LG" in line or line.startswith("::")]


@pytest.mark.parametrize("options", [[], ["--show-source"], ["-f", "github"]])
def test_a_newline_and_escapes_in_a_file_name(tmp_path: Path, options: list[str]) -> None:
    folder = tmp_path / FORGED
    folder.mkdir()
    (folder / "bad.py").write_text(BUGGY.replace("import keras", "import keras  # \x1b[31mred\x1b[0m"))
    result = run_cli("check", str(tmp_path), "--no-cache", *options)
    assert result.returncode == 1
    lines = finding_lines(result.stdout)
    assert len(lines) == 1, result.stdout
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    if options == ["-f", "github"]:
        assert "x.py%0Aforged.py%3A1%3A1%3A LG001 [fake]" in lines[0]  # GitHub's own escapes
    else:  # shown, escaped, inside the one real line
        assert "x.py\\nforged.py:1:1: LG001 [fake]" in lines[0] and "\\x1b[2K\\u202e" in lines[0]


def test_json_keeps_the_name_exact(tmp_path: Path) -> None:
    import json

    folder = tmp_path / FORGED
    folder.mkdir()
    (folder / "bad.py").write_text(BUGGY)
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json")
    (found,) = json.loads(result.stdout)
    assert found["path"] == str(folder / "bad.py")
