"""What a paper contributes to several files, made once per version of the paper and cached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.model import Paper
from generator.records.abstracts import summary
from generator.render.cite import bibtex_entry, csl_line

# A paper's BibTeX entry, its summary and its references.json line. The entry and the line are
# UTF-8 bytes: joined for every paper into references.bib and .json, they need no encoding then.
Fragment = tuple[bytes, str, bytes]


def paper_fragment(paper: Paper) -> Fragment:
    return bibtex_entry(paper).encode("utf-8"), summary(paper.abstract), csl_line(paper).encode("utf-8")


@dataclass(frozen=True)
class Fragments:
    """The papers' fragments by paper key: `memo` holds those known (from the cache) and is
    filled in with those made."""

    paper_keys: Mapping[str, str]  # a hash of each paper, by id
    memo: dict[str, Fragment]

    def of(self, paper: Paper) -> Fragment:
        key = self.paper_keys[paper.id]
        if key not in self.memo:
            self.memo[key] = paper_fragment(paper)
        return self.memo[key]

    def bibtex(self, paper: Paper) -> bytes:
        return self.of(paper)[0]

    def summary(self, paper: Paper) -> str:
        return self.of(paper)[1]
