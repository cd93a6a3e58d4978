"""``lossguard explain CODE``: one rule's documentation as text, for the CLI and for hovers."""

from __future__ import annotations

from lossguard.rules import RULES
from lossguard.rules.docs import RuleDoc, load_docs


def rule_doc(code: str) -> RuleDoc | None:
    """The doc of a code (``LG001``) or a rule name (``softmax-binary-crossentropy``)."""
    docs = load_docs()
    doc = docs.get(code.strip().upper())
    if doc is None:
        matches = [c for c, info in RULES.items() if info.name == code.strip().lower()]
        doc = docs.get(matches[0]) if matches else None
    return doc


def explain_text(code: str) -> str | None:
    doc = rule_doc(code)
    if doc is None:
        return None
    return f"# {doc.code} {doc.name} ({doc.severity}; fix: {doc.fix})\n\n{doc.summary}\n\n{doc.body}\n"
