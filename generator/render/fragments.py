"""What a paper contributes to several files, made once per version of the paper and cached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.model import Paper
from generator.records.abstracts import summary
from generator.render.cite import bibtex_entry, csl_line
from generator.render.formatted import formatted_reference
from generator.render.ris import ris_record

# A paper's BibTeX entry, its summary, its references.json line, its RIS record and its APA
# reference (HTML). The entry, line and record are UTF-8 bytes: joined for every paper into
# references.bib, .json and .ris, they need no encoding then.
Fragment = tuple[bytes, str, bytes, bytes, str]


def paper_fragment(paper: Paper, key: str | None = None) -> Fragment:
    """The paper's fragments, cited as `key` (its citation key in the review)."""
    return (
        bibtex_entry(paper, key).encode("utf-8"),
        summary(paper.abstract),
        csl_line(paper, key).encode("utf-8"),
        ris_record(paper).encode("utf-8"),
        formatted_reference(paper, key),
    )


@dataclass(frozen=True)
class Fragments:
    """The papers' fragments by paper key: `memo` holds those known (from the cache) and is
    filled in with those made. A paper key covers the paper's citation key (render.pages)."""

    paper_keys: Mapping[str, str]  # a hash of each paper, by id
    memo: dict[str, Fragment]
    citation_keys: Mapping[str, str] = field(default_factory=dict)  # by paper id

    def of(self, paper: Paper) -> Fragment:
        key = self.paper_keys[paper.id]
        if key not in self.memo:
            self.memo[key] = paper_fragment(paper, self.citation_keys.get(paper.id))
        return self.memo[key]

    def bibtex(self, paper: Paper) -> bytes:
        return self.of(paper)[0]

    def summary(self, paper: Paper) -> str:
        return self.of(paper)[1]
