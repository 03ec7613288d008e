"""The review's taxonomy (content/tags.yaml): groups, tags, and the match rules for new papers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator.errors import ProblemLog
from generator.model import Tag, TagGroup, Taxonomy
from generator.records.slugs import SLUG_PATTERN
from generator.records.yamlio import YamlSyntaxError, load_with_lines

MAX_TAXONOMY_BYTES = 5 * 1024 * 1024
GROUP_KEYS = {"label", "description"}
TAG_KEYS = {"label", "description", "group", "match", "min_hits", "aliases"}


def phrase_pattern(entry: str) -> re.Pattern[str]:
    """A match entry as a regex: `re:...` verbatim, else a whole-word phrase (space ~ hyphen)."""
    if entry.startswith("re:"):
        return re.compile(entry[3:], re.IGNORECASE)
    body = r"[\s\-]+".join(re.escape(word) for word in entry.split())
    if entry[:1].isalnum() or entry[:1] == "_":
        body = r"\b" + body
    if entry[-1:].isalnum() or entry[-1:] == "_":
        body += r"\b"
    return re.compile(body, re.IGNORECASE)


class TagMatcher:
    """Applies the taxonomy's match rules to a paper's title and abstract."""

    def __init__(self, taxonomy: Taxonomy):
        self.rules = [
            (tag.id, [phrase_pattern(e) for e in tag.match], tag.min_hits)
            for tag in taxonomy.tags.values()
            if tag.match
        ]

    def tags_for(self, title: str, abstract: str) -> list[str]:
        text = f"{title}\n{abstract}"
        return sorted(
            tag_id
            for tag_id, patterns, min_hits in self.rules
            if sum(1 for p in patterns if p.search(text)) >= min_hits
        )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_taxonomy(path: Path, log: ProblemLog) -> Taxonomy:
    """Read and validate tags.yaml; every problem goes to `log` with its line."""
    if not path.exists():
        log.error(path, None, "the taxonomy file is missing; create it (see `litreview init`)")
        return Taxonomy({}, {})
    if path.stat().st_size > MAX_TAXONOMY_BYTES:
        log.error(path, None, f"the taxonomy is over {MAX_TAXONOMY_BYTES // 2**20} MB; it should be a few KB")
        return Taxonomy({}, {})
    try:
        data, lines, duplicates = load_with_lines(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        log.error(path, exc.line, exc.message)
        return Taxonomy({}, {})
    except UnicodeDecodeError:
        log.error(path, None, "the file is not UTF-8 text")
        return Taxonomy({}, {})
    for key, line in duplicates:
        log.error(path, line, f"the key {key!r} appears twice; keep one")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        log.error(path, 1, "expected a mapping with the keys 'groups' and 'tags'")
        return Taxonomy({}, {})
    for key in data:
        if key not in ("groups", "tags"):
            log.error(path, lines.get((key,)), f"unknown key {key!r} (expected groups, tags)")

    groups: dict[str, TagGroup] = {}
    raw_groups = data.get("groups") or {}
    if not isinstance(raw_groups, dict):
        log.error(path, lines.get(("groups",)), "'groups' must be a mapping of group ids")
        raw_groups = {}
    for gid, spec in raw_groups.items():
        line = lines.get(("groups", gid))
        if not SLUG_PATTERN.match(str(gid)):
            log.error(path, line, f"group id {gid!r} must be lowercase letters, digits and hyphens")
            continue
        if not isinstance(spec, dict):
            log.error(path, line, f"group {gid!r} must be a mapping with label and description")
            continue
        for key in spec:
            if key not in GROUP_KEYS:
                log.error(path, lines.get(("groups", gid, key)), f"unknown key {key!r} in group {gid!r}")
        if not _text(spec.get("label")):
            log.error(path, line, f"group {gid!r} needs a label (text)")
        groups[str(gid)] = TagGroup(
            str(gid), str(spec.get("label") or gid), str(spec.get("description") or "")
        )

    tags: dict[str, Tag] = {}
    raw_tags = data.get("tags") or {}
    if not isinstance(raw_tags, dict):
        log.error(path, lines.get(("tags",)), "'tags' must be a mapping of tag ids")
        raw_tags = {}
    for tid, spec in raw_tags.items():
        line = lines.get(("tags", tid))
        tid = str(tid)
        if not SLUG_PATTERN.match(tid):
            log.error(path, line, f"tag id {tid!r} must be lowercase letters, digits and hyphens")
            continue
        if not isinstance(spec, dict):
            log.error(path, line, f"tag {tid!r} must be a mapping (label, description, group, match)")
            continue
        for key in spec:
            if key not in TAG_KEYS:
                log.error(path, lines.get(("tags", tid, key)), f"unknown key {key!r} in tag {tid!r}")
        if not _text(spec.get("label")):
            log.error(path, line, f"tag {tid!r} needs a label (text)")
        if spec.get("description") is not None and not isinstance(spec.get("description"), str):
            log.error(
                path,
                lines.get(("tags", tid, "description")),
                f"tag {tid!r}: description must be text",
            )
        group = spec.get("group")
        if not _text(group):
            log.error(
                path,
                line,
                f"tag {tid!r} needs a group (one of: {', '.join(groups) or 'none defined'})",
            )
        elif group not in groups:
            log.error(
                path,
                lines.get(("tags", tid, "group")),
                f"tag {tid!r} names the group {group!r}, which is not defined under 'groups'",
            )
        match = spec.get("match") or []
        if (
            isinstance(match, str)
            or not isinstance(match, list)
            or not all(isinstance(m, str) for m in match)
        ):
            log.error(
                path,
                lines.get(("tags", tid, "match")),
                f"tag {tid!r}: match must be a list of phrases",
            )
            match = []
        for i, entry in enumerate(match):
            try:
                phrase_pattern(entry)
            except re.error as exc:
                log.error(
                    path,
                    lines.get(("tags", tid, "match", i)),
                    f"tag {tid!r}: bad regex {entry!r}: {exc}",
                )
                match = []
                break
        min_hits = spec.get("min_hits", 1)
        if not isinstance(min_hits, int) or isinstance(min_hits, bool) or min_hits < 1:
            log.error(
                path,
                lines.get(("tags", tid, "min_hits")),
                f"tag {tid!r}: min_hits must be a whole number, 1 or more",
            )
            min_hits = 1
        tags[tid] = Tag(
            id=tid,
            label=str(spec.get("label") or tid),
            description=str(spec.get("description") or ""),
            group=str(group or ""),
            match=tuple(match),
            min_hits=min_hits,
            aliases=_aliases(spec.get("aliases"), path, lines.get(("tags", tid, "aliases")), tid, log),
        )
    return Taxonomy(groups, tags)


def _aliases(value: Any, path: Path, line: int | None, tag: str, log: ProblemLog) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        log.error(path, line, f"tag {tag!r}: aliases must be a list of keywords")
        return ()
    return tuple(v.strip() for v in value)


def alias_index(taxonomy: Taxonomy) -> dict[str, str]:
    """Keyword (case-folded) -> tag id: each tag's id, label and aliases."""
    index: dict[str, str] = {}
    for tag in taxonomy.tags.values():
        for name in (tag.id, tag.label, *tag.aliases):
            index.setdefault(name.casefold(), tag.id)
    return index
