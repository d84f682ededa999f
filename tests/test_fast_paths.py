"""The cheap tests that rule most texts out before a full search agree with the full search.

A validation reads every text of the editors' prose for review claims (KD712) and amounts (KD713); most hold
neither, and a cut into words rules them out first. A word the cut misses would let a claim or a dose through
unseen, so each shortcut is checked here against the searches it stands before, on texts made of the words
they look for, their neighbours, punctuation and the characters that match a letter only when case is ignored
(a long s, a dotless i, the Kelvin sign).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketdata._validation import attribution, prose_amounts

_PIECES = [
    "Reviewed", "reviewed", "by", "Dr", "Jane", "Smith", "approved", "the", "fact-checked", "signed off", "Clinician",
    ":", "is", "was", "From", "peer-reviewed", "authored", "written", "not", "has been", "and", "or", "MD", ".", ",",
    "reviewed_by", "2reviewed", "Reviewer", "AUTHOR", "edited", "Mayo Clinic", "rev\u0131ewed", "\u017figned off",
    "chec\u212aed", "endor\u017fed", "'", "-", "Publisher:", "0.5", "mg/kg", "10mg", "40 minutes", "an hour",
    "twice", "weekly", "three", "times a day", "daily", "%", "per cent", "a 40-minute", "mg/day", "\u00a0", "\u2014",
    "day", "week", "hours",
]  # fmt: skip
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=14).flatmap(
    lambda parts: st.lists(
        st.sampled_from([" ", "", "-", "_", "\n", "/"]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)


@settings(max_examples=500, deadline=None)
@given(text=_TEXTS)
def test_a_text_ruled_out_of_review_claims_holds_none(text: str) -> None:
    full = attribution._claims(text), attribution._reviews(text)
    assert attribution._said.__wrapped__(text) == (full if full != ((), ()) else attribution._NOTHING)


def _amounts_in_full(text: str) -> list[object]:
    """The amounts and frequencies the searches find in the text, without the cut into words before them."""
    joined = prose_amounts._JOINED.sub(" ", text)
    found: list[object] = [m.group(0) for m in prose_amounts._FREQUENCY.finditer(joined)]
    return found + [a.shown for a in prose_amounts.amounts(joined)
                    if not prose_amounts._NOT_AMOUNT.fullmatch(a.shown)]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(text=_TEXTS)
def test_a_text_ruled_out_of_amounts_gives_none(text: str) -> None:
    if prose_amounts._found.__wrapped__(text) == ():
        assert _amounts_in_full(text) == []
