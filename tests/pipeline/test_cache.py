"""The result cache decides by content whenever size and mtime cannot be trusted.

Time is the cache's clock, set by each test (no sleeping, no dependence on how loaded the
machine is): a file's mtime is placed relative to the instant its run started.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from lossguard.findings import FileResult
from lossguard.pipeline import cache as cache_module
from lossguard.pipeline.cache import MTIME_GRANULARITY_NS, Cache

SECOND = 1_000_000_000
T0 = 1_700_000_000 * SECOND  # the instant the first run starts


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock(T0)
    monkeypatch.setattr(cache_module.time, "time_ns", ticking)
    return ticking


def write(path: Path, text: str, mtime: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime, mtime))


def checked(root: Path, path: Path) -> None:
    """One run: the file is read (after the run started), checked and stored."""
    run = Cache(root, "key")
    data = path.read_bytes()
    run.store(str(path), FileResult(str(path), digest=hashlib.sha256(data).hexdigest()))
    run.save()


def never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: str) -> bytes:
        raise AssertionError(f"{path} was read: size and mtime should have been enough")

    monkeypatch.setattr(cache_module, "read_bytes", refuse)


def same_size_edit(path: Path) -> None:
    """Other bytes, the same size and the same mtime: only the content can tell."""
    before = path.stat()
    path.write_text(path.read_text().upper())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns


@pytest.mark.parametrize("age", [0, SECOND, MTIME_GRANULARITY_NS, -5 * SECOND])
def test_an_edit_in_the_racy_window_is_seen(tmp_path: Path, clock: Clock, age: int) -> None:
    """Written at most one granularity before the run that read it (or in its future): the
    content hash decides, however long ago that run was."""
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0 - age)
    checked(tmp_path, script)
    same_size_edit(script)
    clock.now = T0 + 3600 * SECOND
    assert Cache(tmp_path, "key").lookup(str(script)) is None


def test_a_settled_unchanged_file_costs_one_stat(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0 - 10 * SECOND)
    checked(tmp_path, script)
    never_read(monkeypatch)
    found = Cache(tmp_path, "key").lookup(str(script))
    assert found is not None and found.path == str(script)


def test_an_edit_during_the_check_is_seen(tmp_path: Path, clock: Clock) -> None:
    """Read at the start of a long check, rewritten before the result is stored: the entry
    holds the old bytes' hash under the new mtime, which is not settled for that run."""
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0 - 10 * SECOND)
    run = Cache(tmp_path, "key")
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    write(script, "model.compile(loss='cce')\n", T0 + SECOND)  # the editor saves meanwhile
    clock.now = T0 + 60 * SECOND  # a slow check (the probe) ends
    run.store(str(script), FileResult(str(script), digest=digest))
    run.save()
    clock.now = T0 + 3600 * SECOND
    assert Cache(tmp_path, "key").lookup(str(script)) is None


def test_a_racy_entry_whose_bytes_match_is_settled_for_the_next_run(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0)
    checked(tmp_path, script)
    clock.now = T0 + 3600 * SECOND
    second = Cache(tmp_path, "key")
    assert second.lookup(str(script)) is not None  # hashed: the same bytes
    second.save()
    never_read(monkeypatch)
    assert Cache(tmp_path, "key").lookup(str(script)) is not None  # now a stat is enough


def test_a_touched_file_with_the_same_bytes_is_a_hit(tmp_path: Path, clock: Clock) -> None:
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0 - 10 * SECOND)
    checked(tmp_path, script)
    os.utime(script, ns=(T0 - 5 * SECOND, T0 - 5 * SECOND))
    assert Cache(tmp_path, "key").lookup(str(script)) is not None


def test_an_entry_without_its_start_time_is_hashed(tmp_path: Path, clock: Clock) -> None:
    script = tmp_path / "train.py"
    write(script, "model.compile(loss='bce')\n", T0 - 10 * SECOND)
    checked(tmp_path, script)
    run = Cache(tmp_path, "key")
    del run.entries[str(script)]["checked_at"]
    same_size_edit(script)
    assert run.lookup(str(script)) is None


def test_an_edited_lossguard_module_starts_a_new_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install keeps its version while its rules change: the index follows the code
    (here a stand-in package whose module is edited between two runs)."""
    package = tmp_path / "package"
    (package / "rules").mkdir(parents=True)
    rule = package / "rules" / "loss_head.py"
    write(rule, "def rule(): return 1\n", T0)
    first = cache_module.code_fingerprint(package)
    assert cache_module.code_fingerprint(package) == first  # nothing changed, the same index
    write(rule, "def rule(): return 2\n", T0 + SECOND)
    assert cache_module.code_fingerprint(package) != first

    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "before")
    old = Cache(tmp_path, "key").file
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "after")
    assert Cache(tmp_path, "key").file != old


def test_saving_an_index_removes_all_but_the_most_recent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every edit of lossguard starts a new index: the folder keeps the KEEP_INDEXES most
    recently written and removes the others when an index is saved."""
    target = tmp_path / "train.py"
    write(target, "x = 1\n", T0)
    folder = tmp_path / cache_module.CACHE_DIR
    made = []
    for version in range(cache_module.KEEP_INDEXES + 3):
        monkeypatch.setattr(cache_module, "code_fingerprint", lambda v=version: f"code {v}")
        checked(tmp_path, target)
        (index,) = [p for p in folder.glob("index-*.json") if p not in made]
        os.utime(index, ns=(T0 + version * SECOND, T0 + version * SECOND))  # written in order
        made.append(index)
    kept = set(folder.glob("index-*.json"))
    assert kept == set(made[-cache_module.KEEP_INDEXES :])
    assert (folder / ".gitignore").exists() and (folder / "CACHEDIR.TAG").exists()
