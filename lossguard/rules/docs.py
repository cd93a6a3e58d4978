"""The rule documentation in ``rules/*.md``: read for ``lossguard rules``/``explain`` and SARIF.

The docs ship in the wheel as ``lossguard/_rule_docs``; in a source checkout they are read from
the repository's ``rules/`` folder. The front matter's ``since`` (the release that added the
rule) is for the doc's readers and is not parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    severity: str
    summary: str
    fix: str  # "never", or "sometimes, safe" / "sometimes, unsafe" / "always, safe": what --fix can do
    kind: str  # "rule", or "tool" for the codes the engine reports itself (LG900–LG902)
    severity_also: str | None  # the other severity some findings of this code carry (when: in the doc)
    body: str  # Markdown after the front matter
    path: Path

    @cached_property
    def sections(self) -> dict[str, str]:
        """The body's ``## `` sections by heading, split when read (a check reads none)."""
        sections: dict[str, str] = {}
        current = None
        for line in self.body.splitlines(keepends=True):
            if line.startswith("## "):
                current = line[3:].strip()
                sections[current] = ""
            elif current is not None:
                sections[current] += line
        return sections

    @property
    def severities(self) -> tuple[str, ...]:
        """Every severity findings of this code carry, the default first."""
        return (self.severity, self.severity_also) if self.severity_also else (self.severity,)

    def examples(self, heading: str) -> list[str]:
        return _FENCE.findall(self.sections.get(heading, ""))


def docs_folder() -> Path:
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_rule_docs"
    if packaged.is_dir():
        return packaged
    return package.parent / "rules"


def _unquoted(value: str) -> str:
    """A front-matter value without the quotes around it — only a matching pair: a summary that
    ends in a quoted value (class_weight='auto') keeps its closing quote."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _parse(path: Path) -> RuleDoc:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    if match is None:
        raise ValueError(f"{path}: no front matter")
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip()] = _unquoted(value.strip())
    return RuleDoc(
        code=meta["code"],
        name=meta["name"],
        severity=meta["severity"],
        summary=meta["summary"],
        fix=meta.get("fix", "never"),
        kind=meta.get("kind", "rule"),
        severity_also=meta.get("severity-also"),
        body=text[match.end() :].strip(),
        path=path,
    )


@cache
def load_docs() -> dict[str, RuleDoc]:
    folder = docs_folder()
    docs = {}
    for path in sorted(folder.glob("LG*.md")):
        doc = _parse(path)
        docs[doc.code] = doc
    return docs
