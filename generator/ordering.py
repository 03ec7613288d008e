"""The orders papers are listed in, each defined once: topic pages, the search page's topic
filter, feeds and the home page all use these, so they always agree."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from generator.model import Paper

NO_DAY = "1970-01-01"


def newest_key(paper: Paper) -> tuple[object, ...]:
    """Newest first by the paper's own date (a date without a year is this year's, so among the
    newest), then by title and id; papers without a date last."""
    if paper.date is None:
        return (True, (), paper.title.lower(), paper.id)
    year, month, day = paper.date.sort_key
    return (False, (-year, -month, -day), paper.title.lower(), paper.id)


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    return sorted(papers, key=newest_key)


def _added_key(paper: Paper) -> tuple[str, tuple[int, int, int], str]:
    return (paper.added or NO_DAY, paper.date.sort_key if paper.date else (0, 0, 0), paper.id)


def newest_added(papers: Sequence[Paper], limit: int | None = None) -> list[Paper]:
    """By the day they entered the review, then by their own date, newest first; the first
    `limit` of them if given (without sorting them all: keys are unique, so it is the same)."""
    if limit is not None:
        return heapq.nlargest(limit, papers, key=_added_key)
    return sorted(papers, key=_added_key, reverse=True)


def papers_by_tag(papers: Iterable[Paper], tag_ids: Iterable[str]) -> dict[str, list[Paper]]:
    """The papers of each tag in `tag_ids`, in the order of `papers` (each paper once per tag)."""
    members: dict[str, list[Paper]] = {tag: [] for tag in tag_ids}
    for paper in papers:
        for tag in dict.fromkeys(paper.tags):
            found = members.get(tag)
            if found is not None:
                found.append(paper)
    return members


def topic_order(papers: Iterable[Paper], tag_ids: Iterable[str]) -> Mapping[str, list[Paper]]:
    """Each topic's papers newest first: one sort of all the papers, then one pass."""
    return papers_by_tag(newest_first(papers), tag_ids)
