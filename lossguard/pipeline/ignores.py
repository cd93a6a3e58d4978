"""Files the project's ``.gitignore`` and ``.ignore`` files leave out, as ruff does by default:
run logs (``wandb/run-*/files/code/*.py``), build output and virtual environments hold copies of
the training script that nobody wants checked, let alone rewritten by ``--fix``.

Matching is pathspec's ``GitIgnoreSpec`` (git's own wildmatch rules, negation included); each
file's patterns are relative to its folder, and a deeper file decides over a shallower one, up to
the repository root (the folder holding ``.git``). ``.git/info/exclude`` counts too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

IGNORE_FILES = (".gitignore", ".ignore")  # .ignore after .gitignore: it wins, as in ripgrep and ruff


class IgnoreFiles:
    """Answers "is this path ignored?" for paths below any folder, reading each folder once."""

    def __init__(self) -> None:
        self._specs: dict[str, GitIgnoreSpec | None] = {}

    def ignored(self, path: Path) -> bool:
        absolute = os.path.abspath(path)
        decision = False
        for folder in _folders_above(absolute):
            spec = self._spec(folder)
            if spec is None:
                continue
            relative = os.path.relpath(absolute, folder).replace(os.sep, "/")
            include = spec.check_file(relative).include
            if include is not None:
                decision = include
        return decision

    def _spec(self, folder: str) -> GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            names = [*IGNORE_FILES]
            if os.path.isdir(os.path.join(folder, ".git")):
                names.insert(0, os.path.join(".git", "info", "exclude"))
            for name in names:
                try:
                    with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                        lines += handle.read().splitlines()
                except OSError:
                    continue
            if lines:
                from pathspec import GitIgnoreSpec

                self._specs[folder] = GitIgnoreSpec.from_lines(lines)
            else:
                self._specs[folder] = None
        return self._specs[folder]


def _folders_above(path: str) -> list[str]:
    """The folders from the repository root (or the file system's root) down to ``path``'s own."""
    folders = []
    current = os.path.dirname(path)
    while True:
        folders.append(current)
        if os.path.exists(os.path.join(current, ".git")):  # a folder, or a file in a worktree
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return folders[::-1]
