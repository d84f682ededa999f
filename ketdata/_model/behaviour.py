"""What some records do beyond holding data: the hand-written bases the generated record classes extend."""

from __future__ import annotations

from ketdata._model.frozen import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

    from ketdata._model.records import Section


class SourceBase(Frozen):
    """A source's look-ups and its text, read lazily from the file beside the source records."""

    __slots__ = ("_folder",)
    _private: ClassVar[tuple[str, ...]] = ("_folder",)
    # Where the text file lives; not part of the record, so never exported or compared.
    _folder: str | None
    if TYPE_CHECKING:

        @property
        def file(self) -> str: ...

        @property
        def sha256(self) -> str: ...

        @property
        def sections(self) -> tuple[Section, ...]: ...

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def text(self) -> str:
        """The full text, exactly as recorded: every offset in the dataset indexes into it.

        Read from the file beside the source records on first use (not at load), checked against
        ``sha256``, and cached.

        Raises:
            DataError: The file is missing, or its bytes are not the ones recorded.
        """
        from ketdata._model.text import source_text

        return source_text(self._folder, self.file, self.sha256)


class CodingBase(Frozen):
    """A coding's strength as a stand-in for its concept."""

    __slots__ = ()
    if TYPE_CHECKING:

        @property
        def relation(self) -> str: ...

    @property
    def stands_for_concept(self) -> bool:
        """True when the code may stand for the concept itself: an exact or a close match."""
        return self.relation in ("skos:exactMatch", "skos:closeMatch")
