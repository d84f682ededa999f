"""Reviews recorded for something that is not a person (KD714).

Nobody is recorded as a reviewer unless that person did the review: an AI assistant, a language model, a bot,
a script or ketdata itself never vouches for a record, however its name is typed ("Claude (AI assistant)",
"AI model", A7-04). The workbench refuses such a name or role when it is typed (`non_person`); a review block
written by hand is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketdata._model.problems import Problem, short
from ketdata._validation.governance import REVIEWED
from ketdata._validation.index import RecordIndex

# Not "assistant" or "model" alone: a physician assistant or a research assistant is a person who may review.
_WORDS = ("AI", "A.I.", "virtual assistant", "bot", "chatbot", "GPT", "ChatGPT", "Claude", "Copilot", "LLM",
          "language model", "automated", "script", "ketdata")  # fmt: skip
# Whole words, any case, a plural too ("AIs", "bots"); "A.I." ends in a dot, not a word character.
_NON_PERSON = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _WORDS) + r")s?(?!\w)", re.IGNORECASE
)
_FIELDS = ("reviewed_by", "reviewer_role")


def non_person(typed: str) -> str | None:
    """The word by which a typed reviewer's name or role declares a non-person (an AI, a bot, ketdata), or None."""
    found = _NON_PERSON.search(typed)
    return found.group(0) if found else None


def reviewer_problems(index: RecordIndex) -> Iterator[Problem]:
    """KD714 for each claim's or caveat's review whose reviewer or role declares a non-person."""
    for kind in REVIEWED:
        for record in index.kind(kind):
            review = record.value.get("review")
            if not isinstance(review, dict):
                continue
            for field in _FIELDS:
                typed = review.get(field)
                word = non_person(typed) if isinstance(typed, str) else None
                if word is not None:
                    msg = (f"{field} {short(typed)} declares a non-person ({word!r}): only a person who did the "
                           "review is recorded as its reviewer; set review: status unreviewed")  # fmt: skip
                    yield record.problem("KD714", ("review", field), msg)
