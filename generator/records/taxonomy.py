"""The review's taxonomy (content/tags.yaml): groups, tags, and the match rules for new papers."""

from __future__ import annotations

import difflib
import re
import re._constants as _sre  # the parsed form of a regex, to find nested repetitions
import re._parser as _parser
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ProblemLog
from generator.model import Tag, TagGroup, Taxonomy
from generator.records.fields import FIELDS_FILE, load_fields
from generator.records.slugs import SLUG_PATTERN, is_reserved_id, reserved_id_message
from generator.records.yamlio import read_yaml_mapping

MAX_TAXONOMY_BYTES = 5 * 1024 * 1024
GROUP_KEYS = {"label", "description"}
TAG_KEYS = {"label", "description", "group", "match", "min_hits", "aliases"}


_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)}


def _first_chars(items: Any) -> set[int] | None:
    """The characters a parsed branch can start with (lower case), None if it can start with
    many (a class, a group, anything but a literal)."""
    if not items:
        return None
    op, arg = items[0]
    return {ord(chr(arg).lower())} if op == _sre.LITERAL else None


def _risky(items: Any, repeated: bool) -> str | None:
    """Why a parsed regex may take exponential time (backtracking): a repetition inside a
    repetition, as in `(a+)+` or `(\\w+\\s?)*`, or alternatives that can start alike inside
    one, as in `(a|a)*`; None if it has neither."""
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            if repeated and high != low:
                return "a repetition inside a repetition"
            found = _risky(body, repeated or high > 1)
        elif op == _sre.BRANCH:
            branches = arg[1]
            firsts = [_first_chars(b) for b in branches]
            overlapping = any(f is None for f in firsts) or len(set().union(*firsts)) < len(firsts)
            if repeated and len(branches) > 1 and overlapping:
                return "alternatives that can match alike inside a repetition"
            found = next((r for b in branches if (r := _risky(b, repeated))), None)
        elif op in (_sre.SUBPATTERN, getattr(_sre, "ATOMIC_GROUP", None)):
            found = _risky(arg[-1] if op == _sre.SUBPATTERN else arg, repeated)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            found = _risky(arg[1], repeated)
        else:
            found = None
        if found:
            return found
    return None


def phrase_pattern(entry: str) -> re.Pattern[str]:
    """A match entry as a regex: `re:...` verbatim, else a whole-word phrase (space ~ hyphen).

    A `re:` pattern that could backtrack for ever on some abstract (a repetition inside a
    repetition) is refused with re.error: Python's regexes cannot be interrupted."""
    if entry.startswith("re:"):
        compiled = re.compile(entry[3:], re.IGNORECASE)
        why = _risky(_parser.parse(entry[3:], re.IGNORECASE), False)
        if why:
            raise re.error(
                f"{why} may take exponential time on some abstracts (it would hang import); "
                "rewrite it without the nested repetition, e.g. `(ab)+` instead of `(a+b?)+`"
            )
        return compiled
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


def closest_name(name: str, names: Mapping[str, str] | Iterable[str]) -> str | None:
    """The id closest to a misspelt `name`, or None. `names`: ids, or a mapping of the names a
    person may write (ids, labels) to the id each stands for; compared without case."""
    by_name = names if isinstance(names, Mapping) else {n: n for n in names}
    folded: dict[str, str] = {}
    for written, target in sorted(by_name.items()):
        folded.setdefault(str(written).casefold(), target)
    found = difflib.get_close_matches(str(name).casefold(), sorted(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def did_you_mean(name: str, names: Mapping[str, str] | Iterable[str]) -> str:
    """` (did you mean `x`?)` for the id closest to a misspelt `name`; "" when none is close."""
    closest = closest_name(name, names)
    return f" (did you mean `{closest}`?)" if closest is not None and closest != name else ""


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _read_mapping(
    path: Path, log: ProblemLog
) -> tuple[dict[str, Any], Mapping[tuple[str | int, ...], int]] | None:
    """The taxonomy file's mapping and its key lines; None (with the problem logged) if unusable."""
    if not path.exists():
        log.error(path, None, "the taxonomy file is missing; create it (see `litreview init`)")
        return None
    if path.stat().st_size > MAX_TAXONOMY_BYTES:
        log.error(path, None, f"the taxonomy is over {MAX_TAXONOMY_BYTES // 2**20} MB; it should be a few KB")
        return None
    read = read_yaml_mapping(path, log, "the keys 'groups' and 'tags'")
    if read is None:
        return None
    data, lines = read
    for key in data:
        if key not in ("groups", "tags"):
            log.error(path, lines.get((key,)), f"unknown key {key!r} (expected groups, tags)")
    return data, lines


@dataclass(frozen=True)
class _TaxonomyFile:
    """Where the taxonomy's problems go: its path, the line of each key, and the log."""

    path: Path
    lines: Mapping[tuple[str | int, ...], int]
    log: ProblemLog

    def error(self, key: tuple[str | int, ...], message: str) -> None:
        self.log.error(self.path, self.lines.get(key), message)

    def section(self, data: dict[str, Any], name: str, what: str) -> dict[Any, Any]:
        """The mapping under `name` ("groups" or "tags"); {} if missing or not a mapping."""
        section = data.get(name) or {}
        if not isinstance(section, dict):
            self.error((name,), f"'{name}' must be a mapping of {what} ids")
            return {}
        return section


def _id_problem(kind: str, given: str) -> str:
    """Why `given` cannot be a group or tag id."""
    if is_reserved_id(given):
        return reserved_id_message(kind, given)
    return f"{kind} id {given!r} must be lowercase letters, digits and hyphens"


@dataclass(frozen=True)
class _Entry:
    """A group or tag of the taxonomy, as the checks common to both see it."""

    kind: str  # "group" or "tag"
    ident: Any  # its id as read
    where: tuple[Any, ...]  # where its line is looked up
    keys_at: tuple[Any, ...]  # where its keys' lines are looked up
    allowed: Collection[str]  # the keys it may have
    shape: str  # what its mapping holds, for the message


def _usable(at: _TaxonomyFile, entry: _Entry, spec: Any) -> bool:
    """Whether an entry can be read (an id of the right form, a mapping); unknown keys and a
    missing label are reported either way."""
    kind, ident = entry.kind, str(entry.ident)
    if not SLUG_PATTERN.match(ident):
        at.error(entry.where, _id_problem(kind, ident))
        return False
    if not isinstance(spec, dict):
        at.error(entry.where, f"{kind} {entry.ident!r} must be a mapping {entry.shape}")
        return False
    for name in spec:
        if name not in entry.allowed:
            hint = did_you_mean(name, entry.allowed)
            at.error((*entry.keys_at, name), f"unknown key {name!r} in {kind} {entry.ident!r}{hint}")
    if not _text(spec.get("label")):
        at.error(entry.where, f"{kind} {entry.ident!r} needs a label (text)")
    return True


def _group(at: _TaxonomyFile, gid: Any, spec: Any) -> TagGroup | None:
    where = ("groups", gid)
    if not _usable(at, _Entry("group", gid, where, where, GROUP_KEYS, "with label and description"), spec):
        return None
    return TagGroup(str(gid), str(spec.get("label") or gid), str(spec.get("description") or ""))


def _tag_group(
    at: _TaxonomyFile, tid: str, entry: tuple[Any, ...], spec: dict[Any, Any], groups: Mapping[str, TagGroup]
) -> Any:
    """The tag's group, as written; a problem if it is missing or not defined under 'groups'."""
    group = spec.get("group")
    if not _text(group):
        at.error(entry, f"tag {tid!r} needs a group (one of: {', '.join(groups) or 'none defined'})")
    elif group not in groups:
        names = {**{g.label: g.id for g in groups.values()}, **{g: g for g in groups}}
        at.error(
            ("tags", tid, "group"),
            f"tag {tid!r} names the group {group!r}, which is not defined under 'groups'"
            f"{did_you_mean(str(group), names)}",
        )
    return group


def _tag_match(at: _TaxonomyFile, where: tuple[Any, ...], spec: dict[Any, Any]) -> tuple[str, ...]:
    """The tag's match phrases; none if they are not a list of phrases or one is a bad regex."""
    tid, match = where[1], spec.get("match") or []
    if isinstance(match, str) or not isinstance(match, list) or not all(isinstance(m, str) for m in match):
        at.error((*where, "match"), f"tag {tid!r}: match must be a list of phrases")
        return ()
    for i, entry in enumerate(match):
        try:
            phrase_pattern(entry)
        except re.error as exc:
            at.error((*where, "match", i), f"tag {tid!r}: bad regex {entry!r}: {exc}")
            return ()
    return tuple(match)


def _tag_min_hits(at: _TaxonomyFile, where: tuple[Any, ...], spec: dict[Any, Any]) -> int:
    min_hits = spec.get("min_hits", 1)
    if not isinstance(min_hits, int) or isinstance(min_hits, bool) or min_hits < 1:
        at.error((*where, "min_hits"), f"tag {where[1]!r}: min_hits must be a whole number, 1 or more")
        return 1
    return min_hits


def _tag(at: _TaxonomyFile, key: Any, spec: Any, groups: Mapping[str, TagGroup]) -> Tag | None:
    """The tag under `key` in 'tags', or None if it is unusable."""
    tid = str(key)
    entry, where = ("tags", key), ("tags", tid)  # the entry's line is looked up by the key as read
    shape = "(label, description, group, match)"
    if not _usable(at, _Entry("tag", tid, entry, where, TAG_KEYS, shape), spec):
        return None
    if spec.get("description") is not None and not isinstance(spec.get("description"), str):
        at.error((*where, "description"), f"tag {tid!r}: description must be text")
    group = _tag_group(at, tid, entry, spec, groups)
    match = _tag_match(at, where, spec)
    min_hits = _tag_min_hits(at, where, spec)
    return Tag(
        id=tid,
        label=str(spec.get("label") or tid),
        description=str(spec.get("description") or ""),
        group=str(group or ""),
        match=match,
        min_hits=min_hits,
        aliases=_aliases(spec.get("aliases"), at.path, at.lines.get((*where, "aliases")), tid, at.log),
    )


def load_taxonomy(path: Path, log: ProblemLog) -> Taxonomy:
    """Read and validate tags.yaml; every problem goes to `log` with its line."""
    read = _read_mapping(path, log)
    if read is None:
        return Taxonomy({}, {})
    data, lines = read
    at = _TaxonomyFile(path, lines, log)
    groups: dict[str, TagGroup] = {}
    for gid, spec in at.section(data, "groups", "group").items():
        group = _group(at, gid, spec)
        if group is not None:
            groups[str(gid)] = group
    tags: dict[str, Tag] = {}
    for tid, spec in at.section(data, "tags", "tag").items():
        tag = _tag(at, tid, spec, groups)
        if tag is not None:
            tags[tag.id] = tag
    # The extraction fields, declared beside the taxonomy (their matrices may cross tag groups).
    declared = load_fields(path.parent / FIELDS_FILE, log, groups)
    return Taxonomy(groups, tags, declared.fields, declared.table, declared.matrices)


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
