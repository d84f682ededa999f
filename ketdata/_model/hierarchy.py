"""Which kinds of concept a ``broader`` link may join: the one place that says so.

A concept's broader concept is a more general thing of the same sort (treatment-resistant depression under
depression), or one of the few sorts that truly hold it (a substance under its drug class). Anything else —
a substance under a condition — is no hierarchy, and since queries include narrower concepts it would
re-file every claim about the one as a claim about the other.
"""

from __future__ import annotations

# For each concept kind, the kinds its broader concepts may have besides its own.
BROADER_KINDS: dict[str, frozenset[str]] = {
    "substance": frozenset({"drug-class", "substance-role"}),
    "drug-class": frozenset({"substance-role"}),
    "effect": frozenset({"finding"}),
    "finding": frozenset({"effect", "condition"}),
    "procedure": frozenset({"therapy", "practice"}),
    "therapy": frozenset({"procedure", "practice"}),
    "practice": frozenset({"procedure"}),
}


def broader_allowed(kind: str, broader: str) -> bool:
    """Whether a concept of ``kind`` may have a broader concept of kind ``broader``."""
    return kind == broader or broader in BROADER_KINDS.get(kind, frozenset())
