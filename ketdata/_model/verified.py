"""The external facts ketdata's maintainers verified: the codes of the reference table and the hierarchy links.

A code, its SKOS mapping relation, its confidence, and a ``broader`` link between two concepts are facts the
article does not give: someone checked them outside it. The data folder only copies them
(``data/reference/codes.csv``, each concept's ``codings`` and ``broader``), and validation holds every copy to
this table (KD563-KD565). They are pinned here, in the package, and not in the data: an editor who can change
only ``data/`` could otherwise edit the reference table and re-pin its sha256 (a related match made exact, the
sixth attack's A6-3), or join any two concepts of one kind with a one-line reason (A6-5). A new or changed
verified fact is a change to this module, reviewed as code. Imported by validation only, never on the read
path.
"""

from __future__ import annotations

# The verified rows of the shared reference table, in its order and with its columns: article_term, system, code,
# display, relation, confidence, checked_against. data/reference/codes.csv is a copy of these rows.
REFERENCE_COLUMNS = ("article_term", "system", "code", "display", "relation", "confidence", "checked_against")
VERIFIED_CODES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "ketamine",
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "6130",
        "ketamine",
        "skos:exactMatch",
        "high",
        "four independent public FHIR/terminology files agree",
    ),
    (
        "ketamine",
        "http://www.whocc.no/atc",
        "N01AX03",
        "ketamine",
        "skos:exactMatch",
        "high",
        "WHO ATC listing as mirrored by public drug databases (group N01AX: other general anesthetics)",
    ),
    (
        "ketamine",
        "http://fdasis.nlm.nih.gov",
        "690G0D6V8H",
        "KETAMINE",
        "skos:exactMatch",
        "high",
        "FDA substance registration (UNII); the hydrochloride salt is O18YUO0I83",
    ),
    (
        "ketamine",
        "http://snomed.info/sct",
        "373464007",
        "Ketamine",
        "skos:exactMatch",
        "high",
        "SNOMED CT substance concept as expanded in a published FHIR implementation guide value set",
    ),
    (
        "intravenous route",
        "http://snomed.info/sct",
        "47625008",
        "Intravenous route",
        "skos:exactMatch",
        "high",
        "SNOMED CT route codes value set (http://hl7.org/fhir/ValueSet/route-codes)",
    ),
    (
        "oral route",
        "http://snomed.info/sct",
        "26643006",
        "Oral route",
        "skos:exactMatch",
        "high",
        "SNOMED CT route codes value set",
    ),
    (
        "intramuscular route",
        "http://snomed.info/sct",
        "78421000",
        "Intramuscular route",
        "skos:exactMatch",
        "high",
        "SNOMED CT route codes value set",
    ),
    (
        "nasal spray",
        "http://snomed.info/sct",
        "46713006",
        "Nasal route",
        "skos:closeMatch",
        "high",
        "SNOMED CT route codes value set",
    ),
    (
        "anesthesia",
        "http://snomed.info/sct",
        "50697003",
        "General anesthesia",
        "skos:narrowMatch",
        "medium",
        "several public FHIR implementation guides",
    ),
    (
        "pain (as relieved)",
        "http://snomed.info/sct",
        "22253000",
        "Pain",
        "skos:exactMatch",
        "medium",
        "several public FHIR sources (do not use 38433004 'Analgesia')",
    ),
    (
        "depression",
        "http://snomed.info/sct",
        "35489007",
        "Depressive disorder",
        "skos:closeMatch",
        "high",
        "many FHIR implementation guide examples",
    ),
    (
        "treatment-resistant depression",
        "http://snomed.info/sct",
        "1153570009",
        "Treatment resistant depression",
        "skos:exactMatch",
        "medium",
        "two independent public sources; recent SNOMED CT concept (not 1153575004)",
    ),
    (
        "high risk of suicide",
        "http://snomed.info/sct",
        "225444004",
        "At increased risk for suicide",
        "skos:broadMatch",
        "medium",
        "public FHIR clinical modules",
    ),
    (
        "hallucinations",
        "http://snomed.info/sct",
        "7011001",
        "Hallucinations",
        "skos:exactMatch",
        "medium",
        "several public FHIR sources",
    ),
    (
        "confusion",
        "http://snomed.info/sct",
        "286933003",
        "Confusional state",
        "skos:closeMatch",
        "medium",
        "public FHIR source checked against a terminology browser",
    ),
    (
        "dizziness",
        "http://snomed.info/sct",
        "404640003",
        "Dizziness",
        "skos:exactMatch",
        "high",
        "many public FHIR sources",
    ),
    (
        "dizziness",
        "http://hl7.org/fhir/sid/icd-10",
        "R42",
        "Dizziness and giddiness",
        "skos:broadMatch",
        "high",
        "ICD-10 chapter XVIII",
    ),
    (
        "addiction",
        "http://snomed.info/sct",
        "191816009",
        "Drug dependence",
        "skos:relatedMatch",
        "high",
        "SNOMED CT editorial guide (mental health chapter)",
    ),
    (
        "cognitive impairment",
        "http://snomed.info/sct",
        "386806002",
        "Impaired cognition",
        "skos:closeMatch",
        "medium",
        "several public FHIR sources",
    ),
)

# The verified hierarchy links: (concept, its broader concept), by id, each with the reading that makes it true.
VERIFIED_BROADER: frozenset[tuple[str, str]] = frozenset(
    {
        ("recreational-use", "recreational-drug-use"),  # the recreational use of ketamine is recreational drug use
        ("treatment-resistant-depression", "depression"),  # treatment-resistant depression is depression
        ("ketamine-infusion-therapy", "ketamine-therapy"),  # ketamine infusion therapy is ketamine therapy
    }
)
