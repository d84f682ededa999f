"""Problems found in data: located, coded, and collected rather than raised one at a time."""

from __future__ import annotations

import enum
from types import MappingProxyType

from ketdata._model.errors import EXIT_PROBLEMS, KetdataError
from ketdata._model.frozen import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any, ClassVar

    from ketdata._model.dataset import Dataset


class Severity(enum.StrEnum):
    """How much a problem matters: errors fail validation, warnings and infos do not.

    A severity equals its name as a string: ``Severity.ERROR == "error"``.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(Frozen):
    """An entry of the error catalogue: a stable code with its title and how to fix it."""

    __slots__ = ("code", "fix", "severity", "title")
    _fields: ClassVar[tuple[str, ...]] = ("code", "severity", "title", "fix")
    code: str
    severity: Severity
    title: str
    fix: str

    def __init__(self, code: str, severity: Severity, title: str, fix: str) -> None:
        for name, value in zip(self._fields, (code, severity, title, fix), strict=True):
            object.__setattr__(self, name, value)


def _catalogue(*codes: Code) -> MappingProxyType[str, Code]:
    return MappingProxyType({c.code: c for c in codes})


_E, _W = Severity.ERROR, Severity.WARNING

CODES: MappingProxyType[str, Code] = _catalogue(
    Code(
        "KD001",
        _E,
        "File is not valid UTF-8",
        "Save the file as UTF-8 (a spreadsheet: CSV UTF-8); the message gives the first bad byte.",
    ),
    Code("KD002", _E, "File starts with a byte-order mark", "Save the file as UTF-8 without a BOM."),
    Code(
        "KD003", _E, "YAML syntax error", "Fix the YAML at the line shown; the message says what the parser expected."
    ),
    Code(
        "KD004",
        _E,
        "Tab used for indentation or separation",
        "Only spaces lay out a data file (YAML forbids tabs in indentation; a tab between tokens, as after "
        "'version:', is invisible too); replace the tab with spaces, or run `ketdata fmt`.",
    ),
    Code(
        "KD005",
        _E,
        "Duplicate key",
        "A key may appear once per mapping; YAML would silently keep the last. Remove one.",
    ),
    Code(
        "KD006",
        _E,
        "Anchor or alias",
        "Anchors (&) and aliases (*) are not allowed in data files; write the value out.",
    ),
    Code(
        "KD007", _E, "Unsupported YAML tag", "Only plain YAML values are read; remove the tag (e.g. !!python/object)."
    ),
    Code(
        "KD008",
        _E,
        "Document is not a mapping",
        "Each YAML document (between '---' lines) must be one record: a mapping of keys.",
    ),
    Code("KD009", _E, "Empty data file", "Add records to the file or delete it."),
    Code("KD010", _E, "File too large", "Split the records over several files; each must stay under the size limit."),
    Code("KD011", _E, "Nesting too deep", "Records are shallow; flatten the value."),
    Code(
        "KD012",
        _E,
        "Unrecognised file in the data folder",
        "Its records are not read: move the file to where its record type lives (e.g. data/claims/), or remove it.",
    ),
    Code("KD013", _E, "Required file missing", "Restore the file; the data folder needs it."),
    Code("KD014", _E, "Key is not a string", "Write every key as plain text."),
    Code("KD015", _E, "File cannot be read", "Check that the file exists and that you may read it."),
    Code(
        "KD016",
        _E,
        "Value cannot be read as its type",
        "The value cannot be what its tag or form says (an impossible date, '!!int abc', an integer of thousands "
        "of digits); write a valid value, or quote it to keep it as text.",
    ),
    Code(
        "KD017",
        _E,
        "Not a regular file",
        "ketdata reads only regular files inside the data folder and never follows a symbolic link; replace the "
        "link, FIFO or device with the file itself.",
    ),
    Code(
        "KD018",
        _W,
        "Checks not run: a file of records could not be read",
        "Fix the file the problem before it names (a link, a FIFO, a *.YAML name, a syntax error); the checks that "
        "need every record of its kind run again once it can be read.",
    ),
    Code(
        "KD019",
        _E,
        "More than one record in dataset.yaml",
        "dataset.yaml holds exactly one record: remove the second document (from its '---' line on).",
    ),
    Code(
        "KD030",
        _E,
        "Shipped snapshot not the one its manifest lists",
        "The JSON snapshot `load()` serves was changed after `ketdata export` wrote it (or its manifest is gone): "
        "run `ketdata export` in a checkout, or reinstall the package.",
    ),
    Code(
        "KD031",
        _E,
        "Shipped snapshot not what the shipped data makes",
        "The JSON snapshot `load()` serves holds other records than the data folder beside it: run `ketdata "
        "export` in a checkout, or reinstall the package.",
    ),
    Code(
        "KD032",
        _E,
        "Claim filed under another category",
        "A claim lives in claims/<its category>.yaml: move it to the file of its category, or correct the category.",
    ),
    Code(
        "KD571",
        _W,
        "Claims file named for no category",
        "Claims live in claims/<their category>.yaml, where a category's review and its rules (a harm's caveats) "
        "find them: move the claims of claims/x.yaml to the files of their categories.",
    ),
    Code(
        "KD033",
        _E,
        "Word mixes alphabets",
        "A word holds letters of two of the Latin, Greek and Cyrillic alphabets (a Cyrillic es, U+0441, for the "
        "c of 'cures'): it looks like another word and escapes every rule that reads words. Retype it in one "
        "alphabet.",
    ),
    Code(
        "KD034",
        Severity.INFO,
        "Validation cache not used",
        "Set $KETDATA_CACHE_DIR to an absolute path outside the project that is not a link (or unset it for the "
        "user's cache folder); the data was validated in full without it.",
    ),
    Code(
        "KD020",
        _W,
        "File ketdata never reads",
        "Records live in *.yaml files (a *.yml or *.YAML name is KD012), source texts in sources/, the table of "
        "codes in reference/codes.csv: move notes and other files out of the data folder, or give a file of "
        "records its .yaml name.",
    ),
    Code(
        "KD040",
        _E,
        "No rules declared",
        "The data's own rules (data/rules.yaml) are part of the data: restore the file from git. To turn one rule "
        "off, edit that rule (its severity or words), never delete them all.",
    ),
    Code("KD101", _E, "Value breaks the schema", "Change the value so that it meets the rule the message quotes."),
    Code("KD102", _E, "Unknown key", "Remove the key or fix its spelling; the schema lists the allowed keys."),
    Code("KD103", _E, "Required field missing", "Add the field the message names."),
    Code("KD104", _E, "Wrong type", "Give a value of the type the message names."),
    Code(
        "KD105",
        _E,
        "YAML read the value as another type",
        "Unquoted values such as no, yes, on, off, null and 2024-01-01 are read as booleans, null or dates; "
        "put the value in quotes to keep it text.",
    ),
    Code("KD106", _E, "Value does not match its pattern", "Rewrite the value as the message describes."),
    Code("KD107", _E, "Value not allowed", "Use one of the allowed values the message lists."),
    Code(
        "KD108",
        _E,
        "Invisible or direction-changing character",
        "Delete the character the hint names (a bidi control such as U+202E, a zero-width character, U+0085, "
        "U+2028/U+2029, a mark striking a letter through such as U+0336, a blank symbol such as U+2800, a trailing "
        "line break): it makes text look like something it is not.",
    ),
    Code("KD109", _E, "Not a calendar date", "Give a date that exists (there is no 2020-02-30), as 'YYYY-MM-DD'."),
    Code(
        "KD110",
        _E,
        "Invisible or control character in a source text",
        "The article's text holds a character a reader cannot see (a control, a bidi control, a zero-width "
        "character): every quote of it would carry it into the exports. Restore the text from its original and "
        "record its sha256 again only if the original really holds it.",
    ),
    Code("KD201", _E, "Duplicate id", "Ids are unique across the whole dataset; give this record a new id."),
    Code("KD202", _E, "Dangling reference", "Refer to an existing record of the right type, or add that record."),
    Code(
        "KD203", _E, "Hierarchy has a cycle", "Make the category parents (or concept broader links) form a hierarchy."
    ),
    Code(
        "KD204", _E, "Reference to a withdrawn record", "Point to an active record, or withdraw the referring one too."
    ),
    Code("KD205", _W, "Reference to a deprecated record", "Point to the record that replaces it."),
    Code(
        "KD206",
        _E,
        "Deprecated or withdrawn without a reason",
        "Add a 'reason' saying why the record is no longer active.",
    ),
    Code("KD301", _E, "Source text file missing", "Put the source text beside its record, under the name in 'file'."),
    Code(
        "KD302",
        _E,
        "Source text does not match its checksum",
        "The source must stay byte for byte as recorded; restore it, or record the new sha256 deliberately.",
    ),
    Code(
        "KD326",
        _E,
        "Source media type does not declare UTF-8",
        "Write media_type as 'text/plain; charset=utf-8': the source text is read as UTF-8 and every evidence offset "
        "counts its characters, and consumers decode the exported text by the declared charset.",
    ),
    Code(
        "KD303",
        _E,
        "Offsets out of range",
        "start and end must lie within the source text (code points, end exclusive).",
    ),
    Code("KD304", _E, "Start not before end", "start must be less than end."),
    Code(
        "KD305",
        _E,
        "Quote does not match the source",
        "The quote must be the source's exact text between start and end; the message says where it does occur.",
    ),
    Code("KD306", _E, "Quote outside its section", "Name the section the quote lies in, or fix the offsets."),
    Code(
        "KD307",
        _E,
        "Hedge or qualifier not in the evidence",
        "A hedge or qualifier must be the source's own words, found in the evidence; fix it or widen a span.",
    ),
    Code(
        "KD308",
        _E,
        "Bad section ranges",
        "Sections must lie in the text, in order, without overlap, each starting with its heading.",
    ),
    Code(
        "KD309",
        _E,
        "Evidence is a bare list item",
        "Add the clause the item belongs to (the one naming subject, relation and hedge) as a 'context' span.",
    ),
    Code(
        "KD310",
        _E,
        "Object or gloss not in the evidence",
        "Quote the words that name the object (a concept's label or one of its synonyms), or fix the object.",
    ),
    Code(
        "KD311",
        _E,
        "Span cuts a word",
        "Move start and end to word boundaries; `ketdata locate` prints the offsets of a whole phrase.",
    ),
    Code(
        "KD313",
        _E,
        "Statement drops a hedge or qualifier",
        "Word the statement with the article's hedge and qualifiers ('can', 'particularly', 'such as', …).",
    ),
    Code(
        "KD314",
        _E,
        "Coding not in the reference table for its concept",
        "Copy system, code, display, relation and confidence from the row of data/reference/codes.csv whose "
        "article_term is the concept's label (the label spelled as the term, the row's own note in parentheses "
        "aside: a note added to the label makes it another name), or drop the code.",
    ),
    Code(
        "KD315",
        _E,
        "Quote stops before a clause its sentence continues with",
        "Quote the comma-clause (a qualifier, a time frame, a disjunction may govern the record), or name it in "
        "leaves_out with why it does not.",
    ),
    Code(
        "KD316",
        _E,
        "Drops a qualifier a sibling record of the same sentence keeps",
        "Keep the hedge or qualifier (it may govern the whole sentence), give the sibling's its 'governs', or name "
        "it in leaves_out with why it does not govern this record.",
    ),
    Code(
        "KD317",
        _E,
        "Spliced evidence skips a hedge or an antecedent",
        "Quote the skipped hedge or qualifier, or the sentence a 'this …' refers to, or name it in leaves_out "
        "with why it does not govern the record.",
    ),
    Code(
        "KD318",
        _E,
        "Circular triple",
        "The object names the subject again ('ketamine — used for — recreational use of ketamine'): relate the "
        "subject to a concept that does not contain it.",
    ),
    Code(
        "KD319",
        _E,
        "Predicate label carries a hedge the claim does not keep",
        "Record the hedge on the claim, or use a predicate whose label carries no hedge: a triple read alone must "
        "not say more than the article.",
    ),
    Code(
        "KD320",
        _E,
        "Caveat scope wider than its passage, without a reason",
        "Say in scope_reason why the caveat governs more than the paragraph it comes from, or narrow the scope.",
    ),
    Code(
        "KD321",
        _E,
        "Caveat linked to a claim that only restates it",
        "Remove the claim from applies_to: a claim whose quote is the caveat's own is the caveat, not qualified by it.",
    ),
    Code(
        "KD322",
        _E,
        "Same words read two ways",
        "Give every record quoting the words the same reading (readings: means), or say in 'why' why this one "
        "reads them otherwise.",
    ),
    Code(
        "KD323",
        _E,
        "Outside material not marked as outside",
        "Give each coding origin: external, its release and release_status (release null and 'not-stated-by-reference' "
        "when the reference names no release: never guess one), each broader or related link a link_sources entry, "
        "each related link its return link, and each conflicts_with link a note (origin external, with its "
        "reason) on the claim that names the claim it conflicts with.",
    ),
    Code(
        "KD324",
        _E,
        "Concept's id, label and kind disagree",
        "Label the concept as its id and kind say (a route as a route); keep the article's other words as synonyms.",
    ),
    Code(
        "KD325",
        _E,
        "Named words not where the record says",
        "A leaves_out text must stand in the sentences the record quotes, and a reading's text at its offset, "
        "inside one of the record's quotes; fix the words or the offset, or quote the words the reading reads.",
    ),
    Code(
        "KD401",
        _E,
        "Object does not suit the predicate",
        "Use a concept object or a literal value, as the predicate's object_kind says.",
    ),
    Code(
        "KD402",
        _E,
        "Source text not covered",
        "Every sentence of the source must be quoted by some claim or caveat; add a record for it.",
    ),
    Code(
        "KD501",
        _E,
        "Changed without a version bump",
        "A claim or caveat whose content changed since the last release must raise its version by one.",
    ),
    Code("KD502", _E, "Version jump", "Raise the version by exactly one over the last release."),
    Code("KD503", _E, "Version raised without a change", "Put the version back to the released one."),
    Code(
        "KD504",
        _E,
        "Released record removed",
        "Records are never deleted once released: restore it with status withdrawn or deprecated and a reason.",
    ),
    Code("KD505", _E, "Id reused", "An id released once keeps its meaning for ever; give the new record a new id."),
    Code("KD506", _E, "New record not at version 1", "A record that was never released starts at version 1."),
    Code(
        "KD507",
        _E,
        "Release snapshot altered or unlisted",
        "A released snapshot never changes: restore releases/X.Y.Z.json from the release (git), or, if it is "
        "not a release, remove it; releases/SHA256SUMS lists each snapshot's sha256 as `ketdata release` wrote it.",
    ),
    Code(
        "KD508",
        _E,
        "Release snapshot unreadable",
        "The snapshot is not JSON or not shaped like one `ketdata release` writes; restore it from the release.",
    ),
    Code(
        "KD509",
        _E,
        "Change interrupted",
        "A ketdata command (new, fmt, release, export, a review save) was stopped half way (killed, disk full): "
        "the next command that writes here finishes or undoes it from its journal in .ketdata/.",
    ),
    Code(
        "KD510",
        _E,
        "State file ketdata did not write",
        "ketdata acts only on a journal it wrote in this very .ketdata/ folder for the files as they are "
        "(.ketdata/journal.json); one carried by a checkout or a copy, edited, or outdated (or a "
        "releases/.release-journal.json, which ketdata no longer writes) is never used: look at it, then remove it.",
    ),
    Code(
        "KD511",
        _E,
        "Dataset version behind the release history",
        "The dataset's version is never lower than the latest release's; set it back to that release's version.",
    ),
    Code(
        "KD512",
        _E,
        "Release date behind the release history",
        "The dataset's release_date is never earlier than the latest release's date.",
    ),
    Code(
        "KD513",
        _E,
        "Record version behind its release",
        "A claim or caveat's version never goes below its version in the latest release; raise it again.",
    ),
    Code(
        "KD514",
        Severity.INFO,
        "No release history beside the data",
        "The data says it was released (a release_date, or a record above version 1), but no release snapshot "
        "stands beside it, so the version rules did not run, and `ketdata release` refuses (it would cut a "
        "released version again): validate the data folder inside its project (with releases/), or restore "
        "releases/ from git.",
    ),
    Code(
        "KD515",
        _E,
        "Dataset version ahead of its next release",
        "The dataset's version is the latest release's, or the one `ketdata release` works out from the changes "
        "(the next patch, minor or major step); set it back to the latest release's and let the release raise it.",
    ),
    Code(
        "KD516",
        _E,
        "Snapshot named for another release",
        "A releases/X.Y.Z.json holds release X.Y.Z; restore the snapshot released under that name from git, or "
        "remove a copy made by hand (with its line in SHA256SUMS).",
    ),
    Code(
        "KD517",
        _W,
        "Check weakened since the release",
        "A rule in data/rules.yaml checks less than in the latest release (removed, a lower severity, another "
        "kind, a list loosened, any other field changed), a rule, evidence status, predicate or category is new "
        "since it, an active caveat was withdrawn while the article still says it (and no active caveat quotes "
        "that passage) or filed under another kind, a concept is of another kind, an active claim of a category "
        "whose claims need caveats was withdrawn while the article still says it (and no active claim or caveat "
        "states that passage: deprecate it instead, superseded by a claim that states it), an active claim or "
        "caveat states less of the article while no other active record states the rest, drops words of its "
        "statement its quotes still hold or names more in leaves_out, an active caveat reaches fewer claims or "
        "less of the article, or a policy kept in another file changed (a decision-table row now giving a status "
        "to another kind of statement, a predicate's categories or expressed_by phrases added, any other field of "
        "a status, predicate or category such as a rank, a parent, a label, a definition or a decision row's why, "
        "which every export shows beside the claims that use it): undo it, or, if a maintainer means it (the "
        "change shows in `ketdata diff`), release with `ketdata release --accept-weaker RECORD-ID` for each record "
        "named (release refuses otherwise, and the changelog lists each under 'Weakened (accepted at release)'); "
        "the warning ends with the next release.",
    ),
    Code(
        "KD570",
        _E,
        "Source's provenance changed since the release",
        "A source's author, url, published, license or title differs from the latest release (a null, unknown, "
        "filled in): never guess them. While the source's note is as released it is an error, so nothing is "
        "released; if the value is known, say in the note where it comes from (it is then a warning) and have a "
        "maintainer confirm it in review of the diff; otherwise set it back. The warning ends with the next "
        "release.",
    ),
    Code(
        "KD572",
        _E,
        "Dataset's maintainers changed since the release",
        "Every export names the maintainers as the dataset's publisher and author (FHIR publisher, the SSSOM "
        "mapping set's creator, the data package's author), so a change attributes every grading and code mapping "
        "to someone else. The dataset has no note to say where a name comes from, so the change is an error until "
        "a maintainer confirms it at the release: `ketdata release --accept-weaker <dataset id>` (the changelog "
        "lists it under 'Maintainers changed (accepted at release)'); otherwise set them back.",
    ),
    Code(
        "KD573",
        _E,
        "Maintainer named as a clinician or clinical body",
        "The maintainers decomposed the article into records; a name carrying a credential or an institution "
        "word (Dr, Doctor, MD, PhD, MBBS, FRCPsych, Prof, Professor, consultant, psychiatrist, physician, "
        "clinician, pharmacist, nurse, Clinic, Hospital, University, Department, Institute, Medical Center or "
        "Centre, NHS, Health Service, School or Faculty of Medicine) attributes the gradings to a clinician or a "
        "clinical body, in every export. Name the people or team who made the records, without credentials or "
        "institutions.",
    ),
    Code(
        "KD580",
        _E,
        "Deprecated claim's fact dropped",
        "A deprecated claim (or a withdrawn one that names its superseded_by) whose quote the article still states "
        "must be superseded by an active claim whose stating quotes hold the same words; otherwise keep it active "
        "(or merge it into such a claim).",
    ),
    Code(
        "KD581",
        _E,
        "Claim filed under a category its predicate does not allow",
        "File the claim under one of the categories its predicate lists in data/predicates.yaml (categories; their "
        "subcategories count), or choose the predicate that says what the claim says; a predicate's categories "
        "widened since the release is KD517.",
    ),
    Code(
        "KD530",
        _E,
        "Release date not the day its release was cut",
        "A released version keeps the date its snapshot (releases/X.Y.Z.json) records, and no release is dated after "
        "today: set release_date back to it; `ketdata release` dates the next release.",
    ),
    Code(
        "KD601",
        Severity.INFO,
        "Not yet reviewed",
        "A maintainer checks the record against its source, then sets review: status reviewed, reviewed_by and "
        "reviewed_on. Never fill these in for someone else.",
    ),
    Code("KD602", _W, "Review overdue", "Review the record again and move review_due (and reviewed_on) forward."),
    Code(
        "KD603",
        _E,
        "Changed after its review",
        "The record's content changed since the release in which it was reviewed; review it again (new "
        "reviewed_on) or set review: status unreviewed.",
    ),
    Code(
        "KD604",
        _E,
        "Claim lacks a required caveat",
        "Add the claim's id to the applies_to of a caveat of a kind the rule names, or add such a caveat. "
        "The severity is the rule's.",
    ),
    Code("KD605", _E, "Caveat applies to no active claim", "Point the caveat at an active claim, or withdraw it."),
    Code(
        "KD606",
        _E,
        "Wording stronger than the evidence",
        "The statement uses a word the rule bars for this evidence status (or an editors' text, a concept's gloss "
        "or the definition of an evidence status, predicate or category uses one the rule bars beside what it "
        "reads); say what the article says, with its hedge. The severity is the rule's.",
    ),
    Code(
        "KD607",
        _E,
        "One-sided conflict",
        "conflicts_with is symmetric: list each claim in the other's conflicts_with too.",
    ),
    Code(
        "KD608",
        _E,
        "Caveat scope and applies_to disagree",
        "List in applies_to exactly the claims the caveat's scope covers (name others in scope.claims).",
    ),
    Code(
        "KD609",
        _E,
        "Qualifier word not recorded",
        "Record the word as the hedge or a qualifier, from the evidence, or take it out of the statement.",
    ),
    Code(
        "KD610",
        _E,
        "Evidence status against the decision table",
        "Give the status the decision table (data/evidence-statuses.yaml) gives the statement's wording.",
    ),
    Code(
        "KD611",
        _E,
        "Evidence status not allowed under the caveat",
        "An experimental therapy's benefit is never 'established': give the status the rule allows.",
    ),
    Code(
        "KD613",
        _E,
        "Decision table gives one pair two statuses",
        "Each cue and kind of statement (predicate or category, experimental passage or not) must give exactly one "
        "status: narrow a row's predicates or set its experimental.",
    ),
    Code(
        "KD520",
        _E,
        "SHA256SUMS line malformed",
        "releases/SHA256SUMS holds one line `<sha256>  <X.Y.Z>.json` for each snapshot, as `ketdata release` wrote "
        "it: restore the file from the release (git); never list another path.",
    ),
    Code(
        "KD521",
        _E,
        "Release in the changelog has no snapshot",
        "Each release CHANGELOG.md names was cut with its snapshot in releases/: restore releases/X.Y.Z.json and "
        "its SHA256SUMS line from git; a release is never deleted.",
    ),
    Code(
        "KD560",
        _E,
        "Source text outside every section",
        "Every non-blank stretch of a source text lies in a section (text the publisher added above the first "
        "heading included): extend a section over it, or add a section for it with its heading, then quote it.",
    ),
    Code(
        "KD561",
        _E,
        "Broader concept of a kind that cannot hold it",
        "A concept's broader concept is a more general thing of its own sort, or of a kind that holds it (a "
        "substance under a drug class; the pairs are in ketdata/_model/hierarchy.py): link it to such a "
        "concept, or use related for a link of meaning, not of sort.",
    ),
    Code(
        "KD562",
        _E,
        "Compatibility letter in a text",
        "A full-width, mathematical or other compatibility letter or digit ('cures' typed in full-width or bold "
        "mathematical letters) reads as the plain one but matches no word rule: type the plain letters (the "
        "text's NFKC form).",
    ),
    Code(
        "KD563",
        _E,
        "Reference table row not verified",
        "data/reference/codes.csv is a copy of ketdata's verified table (ketdata/_model/verified.py): restore the "
        "row as the verified table has it (relation and confidence included), or remove a row it does not hold. A "
        "new or changed verified code is a change to ketdata's verified table, reviewed as code, not to data/; "
        "re-pinning reference_sha256 does not verify a row.",
    ),
    Code(
        "KD564",
        _E,
        "Coding not verified",
        "A coding copies a row of ketdata's verified table (ketdata/_model/verified.py): its system, code, display, "
        "relation, confidence and checked_against as the table has them; the message names what differs. A new or "
        "changed verified code is a change to ketdata's verified table, reviewed as code, not to data/.",
    ),
    Code(
        "KD565",
        _E,
        "Hierarchy link not verified",
        "A broader link is an external fact a maintainer must verify: keep only the links ketdata's verified table "
        "holds (ketdata/_model/verified.py, VERIFIED_BROADER), or use related for a link of meaning. A new "
        "hierarchy link is a change to ketdata's verified table, reviewed as code, not to data/.",
    ),
    Code(
        "KD566",
        _E,
        "Broader link between items of one list",
        "The article names the two concepts side by side as items of one list (the claims and the list's head are "
        "in the message): siblings, neither broader than the other. Remove the broader link.",
    ),
    Code(
        "KD626",
        _E,
        "Statement and evidence disagree on a negation",
        "Keep each negation (not, no, never, without, cannot, n't, neither, nor) that governs the stated words in "
        "the statement, before the words it negates, and add none: a moved or dropped negation turns the article's "
        "claim around. A negation in a stating quote, before a stating quote in its clause, or between two stating "
        "quotes of a sentence governs them; leaves_out never excuses it. A dropped negation KD633 or KD630 names for "
        "the record is not reported again here.",
    ),
    Code(
        "KD627",
        _E,
        "Statement leaves out a word of its statement quote",
        "Say the word (a modifier like 'treatment-resistant' narrows the claim), quote less, or name the words in "
        "leaves_out with why they do not govern the record. Words a splice skips between two stating quotes of a "
        "sentence count as quoted. A word naming another claim's object, which that claim states (a split "
        "sentence), is not left out; a claim's own object's name always is. A skipped word KD630 names (with the "
        "quote it binds) is not reported again here.",
    ),
    Code(
        "KD628",
        _E,
        "Review fields do not fit its status",
        "A confirmed review has reviewed_by, reviewed_on, review_due and content_sha256; a flagged one has no "
        "review_due; an unreviewed one only its status. `ketdata review` writes them so: use it, or fix the block.",
    ),
    Code(
        "KD629",
        _E,
        "Object wider than the statement",
        "The statement names a narrower concept ('treatment-resistant depression') whose name holds the object's "
        "('depression'): make the narrower concept the object, so the triple and its code say what the statement "
        "says.",
    ),
    Code(
        "KD630",
        _E,
        "Evidence skips words bound to what it quotes",
        "A modifier right before a quoted word ('treatment-resistant' before 'depression') or a negation between "
        "two quotes ('not fully') binds what the record quotes: quote it and say it in the statement, or name it in "
        "leaves_out with why it does not govern the record. Other items of a list may be skipped.",
    ),
    Code(
        "KD631",
        _E,
        "Concept name names another concept",
        "A concept's label and synonyms name it alone: drop the synonym (or label) that is another concept's name, "
        "and point the claim at the concept its evidence names.",
    ),
    Code(
        "KD632",
        _E,
        "Evidence has no stating quote",
        "Give the record a span of role 'statement' (or 'item') quoting what it states: the rules on hedges, "
        "negations and modifiers read stating quotes, and a record quoting only context would escape them.",
    ),
    Code(
        "KD633",
        _E,
        "Negation of what the statement says left out",
        "Keep the negation ('not fully understood') in the statement: leaves_out may name words that do not govern "
        "the record, never a negation of words the statement says.",
    ),
    Code(
        "KD634",
        _E,
        "Statement does not name its object",
        "Name the object concept in the statement by its label or a synonym where the statement names its object "
        "(the item's phrase, or after the predicate's phrase), give a literal object as that whole phrase, or make "
        "the object what the statement names there.",
    ),
    Code(
        "KD635",
        _E,
        "Claim states more than one item",
        "One fact per claim: give each item of a list its own claim, each quoting its item.",
    ),
    Code(
        "KD636",
        _W,
        "Two claims state one triple",
        "One fact is one claim: withdraw the repeat (status withdrawn, with a reason) or change what it states.",
    ),
    Code(
        "KD637",
        _E,
        "Statement names its subject in words the article does not give",
        "A subject's label and id are the editors' words: name the subject in the statement only with words the "
        "article has in the sentences the record quotes (or the one before), or quote the words that name it.",
    ),
    Code(
        "KD639",
        _E,
        "Predicate not said by its statement and quotes",
        "Choose the predicate whose label's content words the statement and its quotes say, in order, or declare "
        "in the predicate's expressed_by the article's phrase that says it: the decision table grades a claim by "
        "its predicate, so one borrowed from another kind of fact would give it another evidence status.",
    ),
    Code(
        "KD640",
        _E,
        "Statement says what its evidence does not",
        "Say only what the quoted words say: take the word out, quote the words that say it, or record a reading "
        "of a quoted word that names it; connectives the editors allow are listed in the rule. A word only the "
        "subject's name lends is KD637's, not reported again here.",
    ),
    Code(
        "KD650",
        _E,
        "Statement re-orders its quote's words",
        "Keep the words the statement takes from a stating quote in the quote's order, and a passive's agent as "
        "the agent ('monitored by a healthcare professional'): the same words in another order can say the "
        "opposite. A statement may open with its object's name, and may name a sibling in parentheses.",
    ),
    Code(
        "KD651",
        _E,
        "Hedge or qualifier moved off the word it governs",
        "Put the hedge or qualifier before the word it stands before in the quote ('a potential treatment'): "
        "moved onto another word it hedges another fact.",
    ),
    Code(
        "KD652",
        _E,
        "Literal object drops a negation",
        "Keep in the object's value the negation its quote puts before it ('not fully understood', not 'fully "
        "understood'): the triple is read without the statement.",
    ),
    Code(
        "KD641",
        _E,
        "Record changed since its review",
        "A review vouches for the words its reviewer saw (a claim's linked caveats, its predicate's label and "
        "its concepts' labels and codes included): review the record "
        "again (`ketdata review`), or set "
        "review: status: unreviewed (and drop the other review fields).",
    ),
    Code(
        "KD642",
        _E,
        "Review date impossible",
        "A review is dated on or before today, and falls due at most a year after it (`ketdata review` writes "
        "both): correct reviewed_on or review_due.",
    ),
    Code(
        "KD614",
        _E,
        "No decision-table row decides the claim",
        "Add a row for the claim's cue and kind of statement to data/evidence-statuses.yaml, or reword the statement "
        "with the article's cue.",
    ),
    Code(
        "KD615",
        _E,
        "Coding pins another version of the reference table",
        "Check the coding against data/reference/codes.csv as it is now, then set reference_sha256 to the file's "
        "sha256 (sha256sum data/reference/codes.csv): the pin says which table the code was copied from.",
    ),
    Code(
        "KD616",
        _E,
        "Triple drops the claim's hedge",
        "Use a predicate whose id and label carry the claim's hedge ('typically_used_when', 'is typically used "
        "when'; add one to data/predicates.yaml if needed): a triple read alone keeps the article's modality.",
    ),
    Code(
        "KD617",
        _E,
        "Evidence quotes a pronoun without its antecedent",
        "Quote, as context, the words an 'it' or 'its' refers to (earlier in its sentence, or the sentence before), "
        "or say what it means in readings: a reader who sees only the evidence must know what it is.",
    ),
    Code(
        "KD618",
        _E,
        "Superseded predicate or concept in use",
        "Use the predicate or concept its superseded_by names: a superseded one stays only so that its id still "
        "resolves, with no links, synonyms or codings of its own.",
    ),
    Code(
        "KD619",
        _E,
        "Gloss of a harm's concept says more than its name",
        "A concept a harm, side-effect or safety claim names (a rule of kind strong-wording with categories reads "
        "them) may carry, in its external definition, its synonyms and their reasons, only its label's words, the "
        "display of one of its codes as 'its code (…) is narrower/broader/a close, not an exact, match', and the "
        "fixed framing ('X, as the article names it', 'the article does not say which …'). Quote the article "
        "instead (origin: article, with evidence), or reduce the text to the label's words. The severity is the "
        "rule's.",
    ),
    Code(
        "KD620",
        _E,
        "Article gloss of a harm's concept quotes a passage that does not name it",
        "A concept a harm, side-effect or safety claim names may take its definition from the article only where "
        "the article speaks of it: quote a sentence that holds every word of the concept's label, or make the "
        "definition external and reduce it to the label's words ('X, as the article names it'). The severity is "
        "the rule's.",
    ),
    Code(
        "KD612",
        _W,
        "Flagged in review",
        "A reviewer found a problem (see review: flags and note). Change the record to fix it, then have it "
        "reviewed again (`ketdata review`); `--strict` and `ketdata release` refuse flagged records.",
    ),
    Code(
        "KD670",
        _E,
        "Statement or evidence does not name the claim's subject",
        "Name the subject concept in the statement (before the predicate's phrase, first in its clause, not only "
        "inside a wider concept's name) and in a quote (as context if it only says who) by its label or an article "
        "synonym, or read the quoted pronoun that stands for it; or make the subject the concept the statement and "
        "its evidence name.",
    ),
    Code(
        "KD671",
        _E,
        "Reading of a pronoun names no antecedent its place allows",
        "Read the pronoun as the subject of its sentence (when it does not open it) or of the sentence before, "
        "naming it in means; if the article means something else, quote the words that say it instead of reading "
        "a pronoun as them.",
    ),
    Code(
        "KD672",
        _E,
        "Article synonym drops a modifier of its concept's label",
        "Quote the article's words that keep the label's modifier ('reducing sensations of pain' for 'Reduced "
        "sensations of pain'), or mark the synonym external with the reason the editors give it.",
    ),
    Code(
        "KD673",
        _E,
        "Claim's subject is of a kind its predicate does not take",
        "Make the subject the concept the statement is about (of a kind the predicate's subject_kinds in "
        "data/predicates.yaml lists), or choose the predicate that says what the claim says; widen subject_kinds "
        "only where the predicate's definition admits that kind (a widening since the release is KD517).",
    ),
    Code(
        "KD674",
        _E,
        "Claim's object is of a kind its predicate does not take",
        "Make the object a concept of a kind the predicate's object_kinds in data/predicates.yaml lists, or choose "
        "the predicate that says what the claim says (a side effect is no route); widen object_kinds only where "
        "the predicate's definition admits that kind (a widening since the release is KD517).",
    ),
    Code(
        "KD675",
        _W,
        "Predicate does not say which kinds of concept it joins",
        "Give the predicate subject_kinds, and object_kinds when its object is a concept: the kinds of concept "
        "its definition admits (substance, therapy, route, ...), so that a claim with a subject or object of "
        "another kind is refused (KD673, KD674).",
    ),
    Code(
        "KD680",
        _E,
        "Context quote from outside the passage the record states",
        "Quote context only from the sentence of a stating quote or the one before it (or the sentence before "
        "another such context quote), from the heading of its section, or from a caveat that applies to the "
        "record; words of another passage belong to a record of their own.",
    ),
    Code(
        "KD681",
        _E,
        "Caveat filed under another kind than its words mark",
        "File the caveat under the kind its quote's cue marks ('should only be used under the guidance of' a "
        "supervision requirement, 'more research is needed' and 'not fully understood' an uncertainty, "
        "'experimental' a limitation, 'dangerous' and 'side effects' a safety warning; the table is "
        "ketdata/_validation/caveat_kinds.py), or quote the words that make it the kind it is filed as.",
    ),
    Code(
        "KD682",
        _E,
        "Item quote holds a list separator",
        "Quote one item of the list as the claim's item (no comma, semicolon or 'or' inside it, no 'and' at "
        "either end) and give each other item a claim of its own; name the other items in leaves_out.",
    ),
    Code(
        "KD683",
        _E,
        "Item quote covers another item of its list",
        "Narrow the item quote to its own item: another claim states the item it also covers (one fact per claim).",
    ),
    Code(
        "KD684",
        _E,
        "Statement names another item of its list",
        "State only the claim's own item (the one its item quote holds) and name the list's other items in "
        "leaves_out: each has a claim of its own, and the triple names one.",
    ),
    Code(
        "KD685",
        _E,
        "A hedge's governs is not the phrase it governs",
        "Set hedge_governs (or the qualifier's governs) to the words the hedge governs in the quote: starting right "
        "after it (or after a verb and its preposition, as in 'primarily used for'), running to its clause's end "
        "or the quote's, the whole coordinated phrase ('anesthesia and pain relief'), or leave it out when the "
        "hedge governs the whole statement.",
    ),
    Code(
        "KD700",
        _E,
        "Evidence changed by a source update, not yet reviewed",
        "A new revision of the source changed words in or next to the record's quotes (source_update shows old "
        "and new). A person confirms the new reading (`ketdata review`), or re-words the record and removes "
        "source_update, or withdraws it.",
    ),
    Code(
        "KD701",
        _E,
        "Evidence lost in a source update",
        "The quote no longer stands in the source's current text; the span still points at the earlier revision. "
        "Re-quote the record from the current text (`ketdata locate`) and drop the span's revision, or withdraw it. "
        "A lost scope range, reading or left-out words has no revision to hold: set it again from the current text "
        "(or remove it), then remove the record's source_update mark.",
    ),
    Code(
        "KD702",
        _E,
        "Evidence names an unknown source revision",
        "A span's revision must be the sha256 of one of its source's revisions (source: revisions).",
    ),
    Code(
        "KD703",
        _E,
        "Source update decided without a review",
        "A source_update mark is confirmed or flagged only by a person's review in `ketdata review`, which writes "
        "beside it a review of the same verdict with reviewer, date (on or after the update) and content_sha256. "
        "Set the mark back to pending and review the record, or (a concept) check it and remove source_update.",
    ),
    Code(
        "KD704",
        _E,
        "Source update mark does not match its source",
        "A source_update mark is written by `ketdata source update` and checked against the source: it names a "
        "source of the data, an undecided mark names the current revision (to), and each span's new and old "
        "quotes are that text's at their offsets. Put back what the update wrote, or re-quote the record from "
        "the current text and remove source_update.",
    ),
    Code(
        "KD710",
        _E,
        "Reference table row cannot be read as CSV",
        "reference/codes.csv is a comma-separated table with one header row; the rows after the one shown were "
        "not read. Fix that row (a field longer than 131,072 characters, a quote left open), or restore the "
        "table from git.",
    ),
    Code(
        "KD711",
        _E,
        "Quantity not what its words say",
        "object.quantity is what pipelines read: each amount (value, or low and high) is one the object's value "
        "and the evidence give, in the unit they give it ('40 minutes' is 40 min, never 40 h; 'an hour' is 1 h "
        "or 60 min), a range where they give one ('between 40 minutes to an hour'), and approximate: true "
        "where, and only where, they say 'about'. Correct the quantity, or remove it.",
    ),
    Code(
        "KD712",
        _E,
        "Prose names a reviewer or author the data does not record",
        "Nobody is named as having reviewed, approved, verified or written something unless the fields record it: "
        "a review of status reviewed with reviewed_by (`ketdata review`), or a source's author; and, naming "
        "nobody, no prose says something was reviewed, approved, vetted or verified ('clinician-reviewed', 'has "
        "been reviewed by a clinician') while an active claim or caveat is not reviewed. The article's author, "
        "URL, date and licence are unknown. Remove the sentence, or record the review.",
    ),
    Code(
        "KD713",
        _E,
        "Editor's text gives an amount the article does not",
        "The article gives no dose or regimen of its own beyond its words ('typically administered in low doses', "
        "'between 40 minutes to an hour', 'about an hour'); a note, reason, reading, definition, synonym, link "
        "reason or the dataset's description never adds an amount with a unit, a dose, a duration or a frequency "
        "('0.5 mg/kg', 'three weeks', 'twice weekly'). Quote the article's own amount, or drop it.",
    ),
    Code(
        "KD714",
        _E,
        "Review recorded for a non-person",
        "Nobody is recorded as a reviewer unless that person did the review: an AI, a language model, a bot, "
        "a script or ketdata itself never is. A review whose reviewed_by or reviewer_role names one (AI, "
        "virtual assistant, bot, chatbot, GPT, ChatGPT, Claude, Copilot, LLM, language model, automated, script, "
        "ketdata) is refused; a physician assistant or a research assistant is a person. Set review: status "
        "unreviewed, and let the person who reviews it record the review "
        "(`ketdata review`).",
    ),
    Code(
        "KD715",
        _E,
        "Reviewer's flag erased",
        "The last review save of this record (data/review-log.jsonl) was a flag, the record's content is still "
        "what was flagged, and its review block no longer holds the flag (unreviewed, removed or rewritten): a "
        "reviewer's verdict is deleted while what it found still ships. A flag is cleared by changing the record "
        "as it asks and having it reviewed again, or undone in the workbench. The log covers saves made through "
        "`ketdata review` since it was introduced; a flag written and erased by hand, log line included, shows "
        "only in the history of git.",
    ),
    Code(
        "KD716",
        _W,
        "Review not recorded through ketdata review",
        "The record's review block (reviewed or flagged) is not the last one `ketdata review` logged for it in "
        "data/review-log.jsonl: it was written by hand or by another tool, and nothing shows that the person "
        "named did the review. Have the reviewer record it in the workbench (`ketdata review`), or set review: "
        "status unreviewed. The log is a tripwire, not a proof: anyone who edits the data can edit it too, so a "
        "forged line is seen only in review of the diff.",
    ),
    Code(
        "KD717",
        _W,
        "Review log line not written by ketdata",
        "Each line of data/review-log.jsonl is a JSON object with the record's id and the review block "
        "`ketdata review` wrote; a line that is not cannot be read as a save (and may hide one). Restore the file "
        "from git; never edit it by hand.",
    ),
)


class Problem(Frozen):
    """One thing wrong with the data, located in a file.

    Attributes:
        code: Stable code from the catalogue, e.g. ``KD305``.
        severity: Error, warning or info.
        file: Path of the file, as the data folder was given.
        line: 1-based line, or 0 when the problem is about the whole file.
        column: 1-based column, or 0 when unknown.
        record_id: Id of the record concerned, or None.
        message: What is wrong.
        hint: How to fix it.
    """

    __slots__ = ("code", "column", "file", "hint", "line", "message", "record_id", "severity")
    _fields: ClassVar[tuple[str, ...]] = ("code", "severity", "file", "line", "column", "record_id", "message", "hint")
    code: str
    severity: Severity
    file: str
    line: int
    column: int
    record_id: str | None
    message: str
    hint: str

    def __init__(
        self,
        code: str,
        severity: Severity,
        file: str,
        line: int,
        column: int,
        record_id: str | None,
        message: str,
        hint: str,
    ) -> None:
        values = (code, severity, file, line, column, record_id, message, hint)
        for name, value in zip(self._fields, values, strict=True):
            object.__setattr__(self, name, value)

    def __str__(self) -> str:
        from ketdata._model.unseen import terminal_text

        # One problem is one line, whatever an id, a file name or a quoted value holds.
        where, rid, message = (
            terminal_text(t, newlines=False) for t in (self.file, self.record_id or "-", self.message)
        )
        # An id is cut like any value a message quotes: a 1 MB id must not print 1 MB on each of its lines.
        return f"{where}:{self.line}:{self.column}: {clipped(rid, ID_LIMIT)}: {self.code} {readable(message)}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order problems by place, then code."""
        return (self.file, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready mapping."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "record_id": self.record_id,
            "message": self.message,
            "hint": self.hint,
        }


def problem(
    code: str,
    file: str,
    line: int,
    column: int,
    record_id: str | None,
    message: str,
    hint: str | None = None,
    severity: Severity | None = None,
) -> Problem:
    """Make a problem whose severity (unless a data-declared rule sets it) and default hint come from the catalogue."""
    entry = CODES[code]
    # A message or hint quotes values only cut short, but a value can reach one whole (a jsonschema message
    # quoting a 4 MB statement, say): no message is ever longer than a reader can take in.
    message, hint = _cut(message, MESSAGE_LIMIT), _cut(hint or entry.fix, MESSAGE_LIMIT)
    return Problem(code, severity or entry.severity, file, line, column, record_id, message, hint)


MESSAGE_LIMIT = 300


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class LazyDataset:
    """The typed dataset, built when first asked for and then kept, or the KD101 problem saying why it could not be.

    The one memo of a validation run's dataset: the pipeline's report and the public `ValidationReport` share
    it, so the records are built once, whichever asks first. Validation alone never asks (building every record
    again costs about a tenth of a run). Should building fail all the same (the schemas let through what the
    record classes cannot hold), ``make`` returns the KD101 problem saying so, kept in ``problems``.
    """

    __slots__ = ("_make", "dataset", "problems")

    def __init__(self, make: Callable[[], Dataset | Problem] | None = None, dataset: Dataset | None = None) -> None:
        """Hold what builds the dataset, or the dataset itself (or neither: there is none)."""
        self._make = make
        self.dataset = dataset
        self.problems: tuple[Problem, ...] = ()

    def get(self) -> Dataset | None:
        """The dataset, built on the first call; None when there is none or it could not be built (``problems``)."""
        if self._make is not None:
            made = self._make()
            self._make = None  # what it held (a whole parse) is not needed again
            if isinstance(made, Problem):
                self.problems = (made,)
            else:
                self.dataset = made
        return self.dataset

    def __call__(self) -> Dataset:
        """The dataset, as a build function gives it (what `ValidationReport` takes as ``build``).

        Raises:
            DataError: It could not be built (its KD101 problem), or there is none to build.
        """
        dataset = self.get()
        if dataset is None:
            raise DataError(list(self.problems))
        return dataset


class ValidationReport(list[Problem]):
    """Every problem validation found: errors first, then warnings, then infos, each by file and line.

    It is a list, so ``for p in report`` and ``report[0]`` work; ask ``ok`` or ``errors`` rather than its
    truth, since a valid dataset may still have warnings and infos (every unreviewed record is one).
    """

    def __init__(
        self,
        problems: Iterable[Problem] = (),
        dataset: Dataset | None = None,
        *,
        build: Callable[[], Dataset] | None = None,
    ) -> None:
        """Hold the problems, and the dataset or else the means to build it when first asked for.

        Args:
            problems: Every problem found.
            dataset: The typed dataset, when there is no error.
            build: Instead of ``dataset``: what builds it, from the same parse, the first time it is asked for
                (validation alone never needs it); raises `DataError` when it cannot.
        """
        # Partitioned by identity, not sorted by a severity key: hashing an enum member is a Python call,
        # which over a large dataset's infos (one per unreviewed record) cost more than the sort itself.
        ordered = sorted(problems, key=Problem.sort_key)
        super().__init__(p for severity in Severity for p in ordered if p.severity is severity)
        # A validation run's own memo is shared, not wrapped in a second one.
        self._lazy = build if isinstance(build, LazyDataset) else LazyDataset(build, dataset)

    @property
    def dataset(self) -> Dataset | None:
        """The typed dataset, read in the same pass, when there is no error; else None.

        Raises:
            DataError: The records passed every check but could not be built (KD101; the schemas should make
                that impossible).
        """
        dataset = self._lazy.get()
        if self._lazy.problems:
            raise DataError(list(self._lazy.problems))
        return dataset

    @property
    def errors(self) -> list[Problem]:
        """The errors: the data is invalid while there is one."""
        return [p for p in self if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The warnings: they fail validation only with ``--strict``."""
        return [p for p in self if p.severity is Severity.WARNING]

    @property
    def infos(self) -> list[Problem]:
        """The infos, such as records not yet reviewed."""
        return [p for p in self if p.severity is Severity.INFO]

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors


def short(value: object, limit: int = 60) -> str:
    """A value for a message: its repr, with control characters escaped, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


# How much of an id, of a run of characters without a space (an id, an argument echoed back), and of one line a
# message shows: longer than any id, path or sentence a message means to show whole.
ID_LIMIT, WORD_LIMIT, LINE_LIMIT = 80, 200, 1000


def clipped(text: str, limit: int) -> str:
    """Text shown as it is (an id, a path), cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def readable(message: str) -> str:
    """A message as a person reads it: each word longer than `WORD_LIMIT` and each line longer than `LINE_LIMIT` cut.

    Values a message quotes are cut where it is written (`short`); this cuts what reaches it whole, such as an
    id or an argument it names, however the message was made.
    """
    import re

    if len(message) <= WORD_LIMIT:
        return message
    long_word = re.compile(rf"\S{{{WORD_LIMIT + 1},}}")
    lines = (long_word.sub(lambda m: clipped(m.group(), WORD_LIMIT), line) for line in message.split("\n"))
    return "\n".join(clipped(line, LINE_LIMIT) for line in lines)


def fails(problems: Iterable[Problem], *, strict: bool = False) -> bool:
    """Whether problems fail a check: any error, or with ``strict`` any warning too (infos never do)."""
    failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
    return any(p.severity in failing for p in problems)


class DataError(KetdataError):
    """Raised when data cannot be loaded; ``problems`` says everything that is wrong."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        lines = [str(p) for p in self.problems[:20]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__("invalid ketdata data:\n" + "\n".join(lines))


class RefusedError(DataError):
    """A command did not do what was asked because of the data: ``problems`` say why, ``notes`` what was not done.

    Attributes:
        notes: Lines for the user after the problems (what was not done, what to do about it).
    """

    def __init__(self, problems: Sequence[Problem], *notes: str, exit_code: int = EXIT_PROBLEMS) -> None:
        super().__init__(list(problems))
        self.notes = notes
        self.exit_code = exit_code

    def __str__(self) -> str:
        return "\n".join([*(str(p) for p in self.problems[:20]), *self.notes])


def render_catalogue(fmt: str = "text") -> str:
    """The error catalogue as plain text, Markdown (for the docs) or JSON, by code."""
    entries = sorted(CODES.values(), key=lambda c: c.code)
    if fmt == "json":
        import json

        rows = [{"code": c.code, "severity": c.severity.value, "title": c.title, "fix": c.fix} for c in entries]
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        lines = ["| code | severity | problem | how to fix it |", "|---|---|---|---|"]
        lines += [f"| `{c.code}` | {c.severity.value} | {c.title} | {c.fix} |" for c in entries]
        return "\n".join(lines) + "\n"
    return "".join(f"{c.code}  {c.severity.value:<7}  {c.title}\n         {c.fix}\n" for c in entries)
