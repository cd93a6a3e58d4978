"""Item 7 of issue 22: --fix writes like an editor.

Before, --fix replaced a symlink with a regular file (the real script kept its bug), split hard
links, made root the owner, turned a mixed-EOL file all-CRLF, refused CR-only and no-break-space
files as "not UTF-8", and overwrote an edit made while it ran.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lossguard.face.fixing import _write_in_place
from tests.conftest import ROOT, run_cli

BEFORE = ROOT / "tests" / "data" / "fixes" / "lg011_sparse_loss_one_hot.py"  # a safe fix
AFTER = BEFORE.with_name("lg011_sparse_loss_one_hot.fixed.py")


def fix(*paths: Path) -> None:
    result = run_cli("check", "--fix", "--no-cache", "--keras-version", "3", *map(str, paths))
    assert "Traceback" not in result.stderr and "not written" not in result.stderr, result.stderr


def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(BEFORE.read_bytes())
    (tmp_path / "link.py").symlink_to("real.py")
    fix(tmp_path / "link.py")
    assert (tmp_path / "link.py").is_symlink()
    assert real.read_bytes() == AFTER.read_bytes()


def test_hard_links_mode_and_inode_are_kept(tmp_path: Path) -> None:
    one = tmp_path / "one.py"
    one.write_bytes(BEFORE.read_bytes())
    os.link(one, tmp_path / "two.py")
    one.chmod(0o640)
    inode = one.stat().st_ino
    fix(one)
    assert one.stat().st_ino == inode and one.stat().st_nlink == 2
    assert stat.S_IMODE(one.stat().st_mode) == 0o640
    assert (tmp_path / "two.py").read_bytes() == AFTER.read_bytes()


def test_each_line_keeps_its_own_ending(tmp_path: Path) -> None:
    lines = BEFORE.read_text().split("\n")
    endings = ["\r\n" if i % 3 == 0 else "\r" if i % 3 == 1 else "\n" for i in range(len(lines) - 1)]
    mixed = tmp_path / "mixed.py"
    mixed.write_bytes("".join(line + end for line, end in zip(lines, endings, strict=False)).encode())
    fix(mixed)
    fixed = AFTER.read_text().split("\n")
    assert len(fixed) == len(lines)
    assert mixed.read_bytes() == "".join(f + e for f, e in zip(fixed, endings, strict=False)).encode()


def test_cr_only_and_no_break_space_files_are_fixed(tmp_path: Path) -> None:
    cr = tmp_path / "cr.py"
    cr.write_bytes(BEFORE.read_bytes().replace(b"\n", b"\r"))
    nbsp = tmp_path / "nbsp.py"
    nbsp.write_bytes(b"# caf\xc3\xa9\xc2\xa0au\xc2\xa0lait\n" + BEFORE.read_bytes())
    fix(cr, nbsp)
    assert cr.read_bytes() == AFTER.read_bytes().replace(b"\n", b"\r")
    assert nbsp.read_bytes() == b"# caf\xc3\xa9\xc2\xa0au\xc2\xa0lait\n" + AFTER.read_bytes()


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    script = tmp_path / "edited.py"
    script.write_bytes(b"the user's newer edit\n")
    assert not _write_in_place(script, BEFORE.read_bytes(), AFTER.read_bytes())
    assert script.read_bytes() == b"the user's newer edit\n"
    script.write_bytes(BEFORE.read_bytes())
    assert _write_in_place(script, BEFORE.read_bytes(), AFTER.read_bytes())
    assert script.read_bytes() == AFTER.read_bytes()
