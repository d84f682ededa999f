"""The dataset's maintainers named as a clinical body or a credentialed person (KD573).

The maintainers decomposed the article into records; every export names them as the dataset's publisher and
author (FHIR ``publisher``, the SSSOM mapping set's creator, the data package's author). A name carrying a
credential ("Dr", "MD", "consultant psychiatrist") or an institution ("Clinic", "Hospital", "University",
"NHS") attributes the gradings and code mappings to a clinical body or a clinician who never made them, as a
description claiming a review would (KD712, A7-08). Whole words, any case, a plural too, as KD714 reads a
reviewer's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketdata._model.problems import Problem, short
from ketdata._validation.index import RecordIndex

_CREDENTIALS = ("Dr", "Dr.", "Doctor", "MD", "M.D.", "PhD", "Ph.D.", "MBBS", "FRCPsych", "Prof", "Prof.",
                "Professor", "consultant", "psychiatrist", "physician", "clinician", "pharmacist", "nurse")  # fmt: skip
_INSTITUTIONS = ("Clinic", "Hospital", "University", "Department", "Institute", "Medical Center", "Medical Centre",
                 "NHS", "Health Service", "School of Medicine", "Faculty of Medicine")  # fmt: skip
# A word ending in a dot ("Dr.", "M.D.") ends there; "Dr" is no part of "Drew", nor "MD" of "MDMA".
_LONGEST_FIRST = sorted((*_CREDENTIALS, *_INSTITUTIONS), key=len, reverse=True)
_CLINICAL = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _LONGEST_FIRST) + r")(?:s|es)?(?!\w)",
    re.IGNORECASE,
)


def clinical_word(name: str) -> str | None:
    """The credential or institution word a maintainer's name carries, or None."""
    found = _CLINICAL.search(name)
    return found.group(0) if found else None


def maintainer_problems(index: RecordIndex) -> Iterator[Problem]:
    """KD573 for each maintainer of the dataset whose name carries a credential or an institution word."""
    for record in index.valid("dataset"):
        for number, maintainer in enumerate(record.value.get("maintainers") or ()):
            name = maintainer.get("name") if isinstance(maintainer, dict) else None
            word = clinical_word(name) if isinstance(name, str) else None
            if word is not None:
                msg = (f"maintainer {short(name)} carries {word!r}: every export names the maintainers as the "
                       "dataset's publisher, so the gradings would read as that clinician's or body's; name the "
                       "people or team who decomposed the article, without credentials or institutions")  # fmt: skip
                yield record.problem("KD573", ("maintainers", number, "name"), msg)
