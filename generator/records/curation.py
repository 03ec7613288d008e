"""Curating the tags of a whole review: rename a tag, merge one into another, add tags to
papers. Every file is changed in place (comments and key order kept) and only if it changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import LitreviewError
from generator.model import Taxonomy
from generator.records.slugs import SLUG_PATTERN
from generator.records.store import PaperFile
from generator.records.yamlio import flow_list, rename_key, update_in_place


@dataclass
class TagChange:
    """What a rename or merge changed: the papers whose tags changed (and of those, the ones
    that had the new tag already), and the aliases the tag that went gave the one it went into."""

    papers: list[str] = field(default_factory=list)
    had_both: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    match_rules: int = 0  # match rules of a merged tag, which are not moved


def _check_names(taxonomy: Taxonomy, old: str, new: str, merging: bool) -> None:
    if old not in taxonomy.tags:
        raise LitreviewError(f"there is no tag {old!r} in content/tags.yaml")
    if old == new:
        raise LitreviewError(f"{old!r} and {new!r} are the same tag")
    if merging and new not in taxonomy.tags:
        raise LitreviewError(f"there is no tag {new!r} in content/tags.yaml to merge {old!r} into")
    if not merging and new in taxonomy.tags:
        raise LitreviewError(
            f"the tag {new!r} exists already; to put {old!r} into it, use `litreview tag merge`"
        )
    if not SLUG_PATTERN.match(new):
        raise LitreviewError(f"tag id {new!r} must be lowercase letters, digits and hyphens")


def _retag(path: Path, old: str, new: str) -> bool:
    """Replace `old` by `new` in the record's tags (dropping `old` if `new` is there too)."""

    def change(data: Any) -> bool:
        tags = data.get("tags")
        if not isinstance(tags, list) or old not in tags:
            return False
        position = tags.index(old)
        if new in tags:
            del tags[position]
        else:
            tags[position] = new
        return True

    return update_in_place(path, change)


def _retag_records(records: Sequence[PaperFile], old: str, new: str, change: TagChange) -> None:
    for record in records:
        if old in record.paper.tags and _retag(record.path, old, new):
            change.papers.append(record.paper.id)
            if new in record.paper.tags:
                change.had_both.append(record.paper.id)
    change.papers.sort()
    change.had_both.sort()


def rename_tag(
    tags_file: Path, records: Sequence[PaperFile], taxonomy: Taxonomy, names: tuple[str, str]
) -> TagChange:
    """Rename a tag in content/tags.yaml and in every record (`records`: excluded ones too)."""
    old, new = names
    _check_names(taxonomy, old, new, merging=False)
    update_in_place(tags_file, lambda data: rename_key(data["tags"], old, new) is None, keep_layout=True)
    change = TagChange()
    _retag_records(records, old, new, change)
    return change


def merge_tag(
    tags_file: Path, records: Sequence[PaperFile], taxonomy: Taxonomy, names: tuple[str, str]
) -> TagChange:
    """Merge tag `source` into `target` (names): every paper of `source` gets `target` in its
    place, `source` leaves content/tags.yaml, and its label and aliases become aliases of
    `target` (so keywords of exports keep mapping). Its match rules are not moved."""
    source, target = names
    _check_names(taxonomy, source, target, merging=True)
    gone = taxonomy.tags[source]
    kept = taxonomy.tags[target]
    known = {a.casefold() for a in (kept.id, kept.label, *kept.aliases)}
    change = TagChange(match_rules=len(gone.match))
    for alias in (gone.label, *gone.aliases):
        if alias.casefold() not in known:
            change.aliases.append(alias)
            known.add(alias.casefold())

    def edit(data: Any) -> bool:
        tags = data["tags"]
        del tags[source]
        if change.aliases:
            aliases = tags[target].get("aliases")
            if isinstance(aliases, list):
                aliases.extend(change.aliases)
            else:
                tags[target]["aliases"] = flow_list(list(change.aliases))
        return True

    update_in_place(tags_file, edit, keep_layout=True)
    _retag_records(records, source, target, change)
    return change


def add_tags(path: Path, tags: Sequence[str]) -> bool:
    """Add tags at the end of a record's tags (its first tag stays its main topic)."""

    def change(data: Any) -> bool:
        current = data.get("tags")
        if not isinstance(current, list):
            data["tags"] = current = []
        new = [t for t in tags if t not in current]
        current.extend(new)
        return bool(new)

    return update_in_place(path, change)
