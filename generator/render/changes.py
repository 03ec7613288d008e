"""Which papers changed since the last render, for the outputs that keep what did not: paper pages
and catalog lines. One rule for both: a paper changed when its key differs, and what lists a
changed paper as related shows it too."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from generator.enrich.related import RelatedLists
from generator.model import RelatedPaper


def listing(related: Mapping[str, tuple[RelatedPaper, ...]], changed: set[str]) -> set[str]:
    """The papers listing one of `changed` as related."""
    if not changed:
        return set()
    if isinstance(related, RelatedLists):
        return related.listing(changed)
    return {i for i, items in related.items() if not changed.isdisjoint(r.id for r in items)}


def changed_papers(
    paper_keys: Mapping[str, str],
    earlier_key: Callable[[str], str | None],
    related: Mapping[str, tuple[RelatedPaper, ...]],
) -> tuple[set[str], set[str]]:
    """The papers whose key differs from the one `earlier_key` gives, and the papers listing one
    of them as related."""
    changed = {i for i, key in paper_keys.items() if earlier_key(i) != key}
    return changed, listing(related, changed)
