"""The concepts' codes as an SSSOM mapping set (TSV with its YAML metadata block), the format ontology tools read.

Subject: the concept (``KETDATA:<id>``); object: the code, as a CURIE of its terminology; predicate: the
SKOS mapping relation the reference table gives (``skos:exactMatch`` … ``skos:relatedMatch``), so a
narrower, broader or related code is never presented as the concept's equivalent. Every mapping was
curated by hand against the reference table: ``mapping_justification`` is ``semapv:ManualMappingCuration``;
``confidence`` is the table's grade as a number on a fixed scale (`CONFIDENCE`, not a measured probability);
``mapping_date`` is the release date of the dataset that published the mapping; the creator is the project
(its maintainers as the dataset names them), never a person nobody recorded.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ketdata._model.dataset import Dataset

# FHIR system URI -> (CURIE prefix, its expansion).
PREFIXES: dict[str, tuple[str, str]] = {
    "http://snomed.info/sct": ("SCTID", "http://snomed.info/id/"),
    "http://www.nlm.nih.gov/research/umls/rxnorm": ("RXNORM", "http://purl.bioontology.org/ontology/RXNORM/"),
    "http://www.whocc.no/atc": ("ATC", "http://purl.bioontology.org/ontology/ATC/"),
    "http://fdasis.nlm.nih.gov": ("UNII", "https://precision.fda.gov/uniisearch/srs/unii/"),
    "http://hl7.org/fhir/sid/icd-10": ("ICD10", "https://icd.who.int/browse10/2019/en#/"),
}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
           "confidence", "mapping_date", "object_source", "comment")  # fmt: skip
# The reference table's grades on SSSOM's 0-1 confidence scale: fixed steps, so the order is all they say.
CONFIDENCE = {"high": 0.9, "medium": 0.7, "low": 0.5}
PROJECT_PREFIX = ("KETDATAPROJECT", "urn:ketdata:project:")
SSSOM_PATH = "sssom/ketdata.sssom.tsv"


def _metadata(ds: Dataset) -> str:
    prefixes = {"KETDATA": "urn:ketdata:concept:", "semapv": "https://w3id.org/semapv/vocab/",
                "skos": "http://www.w3.org/2004/02/skos/core#"}  # fmt: skip
    prefixes.update(dict([*PREFIXES.values(), PROJECT_PREFIX]))
    values: dict[str, Any] = {
        "mapping_set_id": f"urn:ketdata:mapping-set:{ds.info.version}",
        "mapping_set_version": ds.info.version,
        "mapping_set_title": "ketdata concepts mapped to external terminologies",
        "mapping_set_description": "Each concept of one article about ketamine, mapped to the codes the project's "
        "reference table verified, with the SKOS relation of the code to the article's term.",
        "license": "https://opensource.org/licenses/MIT",
        "creator_id": [f"{PROJECT_PREFIX[0]}:{ds.info.id}"],
        "creator_label": [", ".join(m.name for m in ds.info.maintainers)],
    }
    if ds.info.release_date:
        values["publication_date"] = ds.info.release_date
    # JSON strings are YAML double-quoted scalars: a value ending in ':' stays a value.
    lines = ["curie_map:", *(f"  {k}: {json.dumps(v)}" for k, v in sorted(prefixes.items()))]
    lines += [f"{k}: {json.dumps(v)}" for k, v in values.items()]
    return "".join(f"#{line}\n" for line in lines)


def to_sssom(ds: Dataset) -> str:
    """The SSSOM TSV of every concept coding, rows by subject, relation and object."""
    rows = []
    for concept in ds.concepts:
        for c in concept.codings:
            prefix = PREFIXES[c.system][0]
            release = f"release {c.release}" if c.release else "code system release not stated by the reference"
            note = (f"origin {c.origin} (not the article's); confidence {c.confidence}; the reference says checked "
                    f"against {c.checked_against}; {release}; copied from {c.reference} (sha256 "
                    f"{c.reference_sha256})")  # fmt: skip
            rows.append([f"KETDATA:{concept.id}", concept.label, c.relation, f"{prefix}:{c.code}", c.display,
                         "semapv:ManualMappingCuration", CONFIDENCE[c.confidence], ds.info.release_date or "",
                         c.system, note])  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(sorted(rows))
    return _metadata(ds) + buffer.getvalue()
