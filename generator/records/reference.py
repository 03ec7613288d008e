"""A paper's reference: entry type, citation key, name lists and fields, as its source gave them.

In a record (content/papers/<id>.yaml) it is the `reference` mapping:

    reference:
      type: inproceedings            # the BibTeX/BibLaTeX entry type
      key: rafailov2023direct        # the citation key (kept; see citation_keys for clashes)
      names:
        author:
        - family: Rafailov
          given: Rafael
        - family: Berg
          particle: van den          # the "von" part
          suffix: Jr.
        - others                     # "and others": the list is truncated
      fields:                        # every other field, as written in BibTeX
        title: '{Direct} Preference Optimization: Your Language Model is Secretly a Reward Model'
        booktitle: Advances in Neural Information Processing Systems
        pages: 53728--53741

Values are BibTeX text: braces that protect capitals stay, and so do LaTeX accents. The
abstract is not here (it is the record's `abstract`), nor `file` (a path on the exporter's disk).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from generator.model import Name, Paper, Reference
from generator.records.latex import bibtex_escape, decode_latex

# Fields that hold names (BibTeX and BibLaTeX).
NAME_FIELDS = (
    "author",
    "editor",
    "translator",
    "bookauthor",
    "annotator",
    "commentator",
    "introduction",
    "foreword",
    "afterword",
    "holder",
    "editora",
    "editorb",
    "editorc",
)
# Fields a record keeps elsewhere or not at all: the abstract is the record's `abstract`, `file`
# is a path on the disk of whoever exported the entry (never published).
NOT_KEPT = ("abstract", "file")
NAME_PARTS = ("family", "given", "particle", "suffix", "literal")
OTHERS = "others"
# Fields whose values are identifiers, not text: written as they are.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "urldate", "isbn", "issn"})

# --- arXiv ids, wherever they hide ----------------------------------------------------------

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"({_NEW_ID}|{_OLD_ID})(?:v\d+)?"
_ARXIV_DOI = re.compile(rf"10\.48550/arxiv\.{_ID}", re.I)
_ARXIV_URL = re.compile(rf"arxiv\.org/(?:abs|pdf|html)/{_ID}", re.I)
_ARXIV_PREFIXED = re.compile(rf"\barxiv\s*[:/]?\s*(?:preprint\s+)?(?:arxiv\s*:\s*)?{_ID}", re.I)
_BARE_ID = re.compile(rf"^\s*(?:arxiv\s*:\s*)?{_ID}\s*$", re.I)


def arxiv_id_of(fields: Mapping[str, str]) -> str | None:
    """The arXiv id that a reference's fields give, wherever it hides: `eprint` (with
    archivePrefix or eprinttype arXiv, or an id that can only be arXiv's), an arXiv DOI
    (10.48550/arXiv.X), an arXiv URL, `journal = {arXiv preprint arXiv:X}`, or `note`."""
    # Braces protect capitals ({arXiv} preprint {arXiv}:2210.12090): they hide no id.
    get = {k.lower(): v.replace("{", "").replace("}", "") for k, v in fields.items() if isinstance(v, str)}
    eprint = get.get("eprint", "")
    kind = (get.get("archiveprefix") or get.get("eprinttype") or "").lower()
    if eprint and (kind == "arxiv" or (not kind and re.fullmatch(rf"\s*{_ID}\s*", eprint))):
        match = _BARE_ID.match(eprint) or _ARXIV_URL.search(eprint)
        if match:
            return match.group(1)
    for field in ("doi", "url", "howpublished"):
        value = get.get(field, "")
        match = _ARXIV_DOI.search(value) or _ARXIV_URL.search(value)
        if match:
            return match.group(1)
    for field in ("journal", "journaltitle", "booktitle", "note", "howpublished", "number", "eprint"):
        match = _ARXIV_PREFIXED.search(get.get(field, ""))
        if match:
            return match.group(1)
    return None


# --- names ----------------------------------------------------------------------------------


def _split_top(text: str, separator: re.Pattern[str]) -> list[str]:
    """`text` split where `separator` matches outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = separator.match(text, i)
            if match and match.end() > i:
                parts.append(text[start:i])
                start = i = match.end()
                continue
        i += 1
    parts.append(text[start:])
    return parts


_AND = re.compile(r"\s+and\s+", re.I)
_COMMA = re.compile(r"\s*,\s*")
_SPACE = re.compile(r"[\s~]+")


def _first_letter(word: str) -> str:
    """The letter that decides whether a BibTeX name word is lowercase (a "von" word)."""
    if word.startswith("{\\"):  # {\"u}ber: a special character counts by its letter
        plain = re.sub(r"^\{\\[^A-Za-z]?\s*\{?", "", word)
        return next((c for c in plain if c.isalpha()), "")
    if word.startswith("{"):
        return ""  # a braced word is never lowercase to BibTeX
    return next((c for c in word if c.isalpha()), "")


def parse_name(text: str) -> Name:
    """One BibTeX name ("First von Last", "von Last, First", "von Last, Jr, First")."""
    text = " ".join(text.split())
    if text.lower() == OTHERS:
        return Name(others=True)
    parts = [p.strip() for p in _split_top(text, _COMMA)]
    if len(parts) == 1:
        words = [w for w in _split_top(parts[0], _SPACE) if w]
        if len(words) == 1 and words[0].startswith("{") and words[0].endswith("}"):
            return Name(literal=words[0][1:-1])
        lower = [i for i, w in enumerate(words[:-1]) if _first_letter(w).islower()]
        if lower:
            first, last_von = lower[0], lower[-1]
            return Name(
                family=" ".join(words[last_von + 1 :]),
                given=" ".join(words[:first]),
                particle=" ".join(words[first : last_von + 1]),
            )
        return Name(family=words[-1] if words else "", given=" ".join(words[:-1]))
    von_last = [w for w in _split_top(parts[0], _SPACE) if w]
    lower = [i for i, w in enumerate(von_last[:-1]) if _first_letter(w).islower()]
    cut = lower[-1] + 1 if lower else 0
    given = parts[-1] if len(parts) >= 2 else ""
    suffix = parts[1] if len(parts) >= 3 else ""
    return Name(
        family=" ".join(von_last[cut:]), given=given, particle=" ".join(von_last[:cut]), suffix=suffix
    )


def parse_names(value: str) -> tuple[Name, ...]:
    """A BibTeX name list (`A and B and others`)."""
    return tuple(parse_name(n) for n in _split_top(" ".join(value.split()), _AND) if n.strip())


def bibtex_name(name: Name) -> str:
    """A name as BibTeX writes it: "von Last, Jr, First" (an unbroken name in braces)."""
    if name.others:
        return OTHERS
    if name.literal:
        return "{" + name.literal + "}"
    last = " ".join(p for p in (name.particle, name.family) if p)
    if name.suffix:
        return f"{last}, {name.suffix}, {name.given}"
    return f"{last}, {name.given}" if name.given else last


def bibtex_names(names: Sequence[Name]) -> str:
    return " and ".join(bibtex_name(n) for n in names)


def display_name(name: Name) -> str:
    """The name as a page shows it: "Given von Family, Jr." in plain text."""
    if name.literal:
        return decode_latex(name.literal)
    parts = (name.given, name.particle, name.family)
    text = " ".join(decode_latex(p) for p in parts if p)
    return f"{text}, {decode_latex(name.suffix)}" if name.suffix else text


def name_of_display(text: str) -> Name:
    """A plain "Given Family" name (a record's `authors`) in parts, particles kept with the
    family: "Ann van der Berg" is given Ann, particle "van der", family Berg."""
    if "," in text:
        family, _, given = text.partition(",")
        return Name(family=bibtex_escape(family.strip()), given=bibtex_escape(given.strip()))
    words = text.split()
    if len(words) <= 1:
        return Name(literal=bibtex_escape(text.strip())) if text.strip() else Name(literal="")
    lower = [i for i, w in enumerate(words[:-1]) if i and w[:1].islower()]
    if lower:
        return Name(
            family=bibtex_escape(" ".join(words[lower[-1] + 1 :])),
            given=bibtex_escape(" ".join(words[: lower[0]])),
            particle=bibtex_escape(" ".join(words[lower[0] : lower[-1] + 1])),
        )
    return Name(family=bibtex_escape(words[-1]), given=bibtex_escape(" ".join(words[:-1])))


def truncated(names: Sequence[Name]) -> bool:
    """Whether the list ends in "and others"."""
    return any(n.others for n in names)


# --- records: the YAML shape ----------------------------------------------------------------


def _name_yaml(name: Name) -> str | dict[str, str]:
    return OTHERS if name.others else {p: getattr(name, p) for p in NAME_PARTS if getattr(name, p)}


def to_yaml(reference: Reference) -> dict[str, Any]:
    """The `reference` mapping of a record."""
    data: dict[str, Any] = {"type": reference.type}
    if reference.key:
        data["key"] = reference.key
    if reference.ris_type:
        data["ris_type"] = reference.ris_type
    if reference.names:
        data["names"] = {
            role: [
                OTHERS if n.others else {p: getattr(n, p) for p in NAME_PARTS if getattr(n, p)} for n in names
            ]
            for role, names in reference.names
        }
    if reference.fields:
        data["fields"] = dict(reference.fields)
    return data


_KEY = re.compile(r"[^\s,{}()\"#%'=\\]+")
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

Complain = Callable[[tuple[str | int, ...], str], None]


def _valid_name(item: Any, where: tuple[str | int, ...], complain: Complain) -> Name | None:
    if isinstance(item, str) and item.strip().lower() == OTHERS:
        return Name(others=True)
    if isinstance(item, str) and item.strip():
        return parse_name(item)  # "Family, Given" written by hand: BibTeX's form
    if not isinstance(item, dict) or not item:
        complain(where, "a name is a mapping of family, given, particle, suffix (or literal), or 'others'")
        return None
    unknown = [k for k in item if k not in NAME_PARTS]
    if unknown or not all(isinstance(v, str | int) for v in item.values()):
        complain(where, f"a name has only {', '.join(NAME_PARTS)} (text); got {sorted(map(str, item))}")
        return None
    return Name(**{k: " ".join(str(v).split()) for k, v in item.items()})


def _valid_names(value: Any, complain: Complain) -> tuple[tuple[str, tuple[Name, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        complain(("reference", "names"), "reference.names must map a role (author, editor, ...) to names")
        return ()
    roles = []
    for role, items in value.items():
        where = ("reference", "names", role)
        if not isinstance(items, list):
            complain(where, f"reference.names.{role} must be a list of names")
            continue
        names = [_valid_name(item, (*where, i), complain) for i, item in enumerate(items)]
        roles.append((str(role).lower(), tuple(n for n in names if n is not None)))
    return tuple(roles)


def _valid_fields(value: Any, complain: Complain) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        complain(("reference", "fields"), "reference.fields must map field names to their values")
        return ()
    fields = []
    for name, text in value.items():
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            complain(("reference", "fields", name), f"reference.fields.{name} must be text, got {text!r:.40}")
            continue
        if str(name).lower() in NAME_FIELDS:
            complain(("reference", "fields", name), f"{name} is a name list: put it under reference.names")
            continue
        fields.append((str(name).lower(), " ".join(str(text).split())))
    return tuple(fields)


def from_yaml(value: Any, complain: Complain) -> Reference | None:
    """The reference of a record's `reference` mapping; problems go to `complain(key, message)`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        complain(("reference",), "reference must be a mapping (type, key, names, fields)")
        return None
    for key in value:
        if key not in ("type", "key", "names", "fields", "ris_type"):
            complain(
                ("reference", key), f"unknown key {key!r} under reference (expected type, key, names, fields)"
            )
    kind = value.get("type", "misc")
    if not isinstance(kind, str) or not _TYPE.fullmatch(kind):
        complain(("reference", "type"), f"reference.type must be an entry type such as article, got {kind!r}")
        kind = "misc"
    key = value.get("key")
    if key is not None and (not isinstance(key, str) or not _KEY.fullmatch(key)):
        complain(
            ("reference", "key"),
            f"reference.key must be a citation key without spaces, commas or braces, got {key!r}",
        )
        key = None
    ris_type = value.get("ris_type")
    if ris_type is not None and not (isinstance(ris_type, str) and re.fullmatch(r"[A-Z]{2,6}", ris_type)):
        complain(
            ("reference", "ris_type"), f"reference.ris_type must be a RIS type such as JOUR, got {ris_type!r}"
        )
        ris_type = None
    return Reference(
        type=kind.lower(),
        key=key,
        names=_valid_names(value.get("names"), complain),
        fields=_valid_fields(value.get("fields"), complain),
        ris_type=ris_type,
    )


# --- from a BibTeX entry --------------------------------------------------------------------


def from_bibtex(entry: Mapping[str, str], text: str = "") -> Reference:
    """The reference of one entry as bibtexparser reads it (ID, ENTRYTYPE and raw values);
    `text`, the entry as written, gives the fields their order (bibtexparser loses it)."""

    def position(field: str) -> int:
        found = re.search(rf"[{{,(\s]{re.escape(field)}\s*=", text, re.I)
        return found.start() if found else len(text)

    names, fields = [], []
    for name, value in entry.items():
        if name in ("ID", "ENTRYTYPE"):
            continue
        field = name.lower()
        if field in NOT_KEPT:
            continue
        written = " ".join(str(value).split())
        if not written:
            continue
        if field in NAME_FIELDS:
            names.append((field, parse_names(written)))
        else:
            fields.append((field, written))
    names.sort(key=lambda item: position(item[0]))
    fields.sort(key=lambda item: position(item[0]))
    return Reference(
        type=str(entry.get("ENTRYTYPE", "misc")).lower(),
        key=entry.get("ID") or None,
        names=tuple(names),
        fields=tuple(fields),
    )


# --- citation keys --------------------------------------------------------------------------

_STOP_WORDS = frozenset(
    "a an the on of in for to and with from at by is are as via towards toward do does can".split()
)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TITLE_WORDS = re.compile(r"[\s\-–—:/]+")


def ascii_word(text: str) -> str:
    """Lowercase ASCII letters and digits of `text` (accents dropped, LaTeX decoded)."""
    if "\\" in text or "{" in text:
        text = decode_latex(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", text.lower())


def _title_words(title: str) -> list[str]:
    """The title's first two words that are not little words (or its first word, if all are)."""
    first, found = "", []
    for raw in _TITLE_WORDS.split(title):
        word = ascii_word(raw)
        if not word:
            continue
        first = first or word
        if word not in _STOP_WORDS:
            found.append(word)
            if len(found) == 2:
                break
    return found or ([first] if first else [])


def conventional_key(paper: Paper) -> str:
    """familyYEARfirstword (rafailov2023direct): the first author's family name, the year and
    the first word of the title that is not a little word; without authors, the title's first
    two such words and the year (directpreference2023)."""
    reference = paper.meta.reference
    authors = [n for n in (reference.people("author") if reference else ()) if not n.others]
    family = ""
    if authors:
        family = authors[0].family or authors[0].literal
    elif paper.meta.authors:
        name = paper.meta.authors[0]
        family = name.partition(",")[0] if "," in name else (name.split() or [""])[-1]
    year = paper.meta.year or (paper.date.year if paper.date else None)
    return _made_key(family, year, paper.title) or paper.id.replace("-", "")


@functools.lru_cache(maxsize=1 << 17)  # a build asks twice (check, then render) for every paper
def _made_key(family_written: str, year: int | None, title: str) -> str:
    family = ascii_word(family_written)
    significant = _title_words(title)
    if family:
        key = f"{family}{year or ''}{significant[0] if significant else ''}"
    else:
        key = "".join(significant[:2]) + (str(year) if year else "")
    return key


@dataclass(frozen=True)
class KeyClash:
    """Papers that want the same citation key, and the keys they got (by paper id order)."""

    key: str
    papers: tuple[str, ...]
    given: tuple[str, ...]


@dataclass(frozen=True)
class CitationKeys:
    keys: dict[str, str]  # by paper id
    clashes: tuple[KeyClash, ...] = ()

    @functools.cached_property
    def renamed(self) -> frozenset[str]:
        """The papers whose key a clash changed (asked for once per paper: made once)."""
        return frozenset(
            {
                paper
                for clash in self.clashes
                for paper, key in zip(clash.papers, clash.given, strict=True)
                if key != clash.key
            }
        )


def _suffixes() -> Iterable[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def citation_keys(papers: Iterable[Paper]) -> CitationKeys:
    """Each paper's citation key, unique across the review (ignoring case, as biber does).

    A paper keeps its source's key; a paper without one gets conventional_key. When papers want
    the same key, a paper whose key came from its source goes before one whose key was made up,
    then the paper that entered the review first (`added`), then papers go by id: the first
    keeps the key, the others get it with a, b, c ... appended (skipping keys taken). The same
    records always give the same keys, and a paper imported later never takes the key of one
    already cited."""
    wanted: dict[str, list[tuple[bool, str, str, str]]] = defaultdict(list)
    for paper in papers:
        own = paper.meta.reference.key if paper.meta.reference else None
        key = own or conventional_key(paper)
        wanted[key.casefold()].append((own is None, paper.added or "9999", paper.id, key))
    taken = set(wanted)
    keys: dict[str, str] = {}
    clashes = []
    for folded in sorted(wanted):
        claims = sorted(wanted[folded])
        keys[claims[0][2]] = claims[0][3]
        if len(claims) == 1:
            continue
        given = [claims[0][3]]
        suffixes = iter(_suffixes())
        for _, _, paper_id, key in claims[1:]:
            candidate = key + next(suffixes)
            while candidate.casefold() in taken:
                candidate = key + next(suffixes)
            taken.add(candidate.casefold())
            keys[paper_id] = candidate
            given.append(candidate)
        clashes.append(KeyClash(claims[0][3], tuple(c[2] for c in claims), tuple(given)))
    return CitationKeys(keys, tuple(clashes))


# --- the reference a paper exports ----------------------------------------------------------


def _same_text(raw: str, plain: str) -> bool:
    return " ".join(decode_latex(raw).split()).casefold() == " ".join(plain.split()).casefold()


def _fill(fields: list[tuple[str, str]], name: str, value: str | None) -> None:
    if value and not any(k == name for k, _ in fields):
        fields.append((name, value))


def exported(paper: Paper) -> Reference:
    """The reference litreview writes for a paper: the record's reference, completed from the
    record's other fields (title, authors, year, venue, DOI, arXiv id, URL). The record's title
    replaces the reference's only when a person has edited it (it no longer says the same)."""
    meta = paper.meta
    reference = meta.reference or Reference(type="article" if meta.venue else "misc")
    fields = list(reference.fields)
    raw_title = reference.field("title")
    if raw_title is None or not _same_text(raw_title, paper.title):
        fields = [(k, v) for k, v in fields if k != "title"]
        fields.insert(0, ("title", bibtex_escape(paper.title)))
    names = list(reference.names)
    if not reference.people("author") and meta.authors:
        names.insert(0, ("author", tuple(name_of_display(a) for a in meta.authors)))
    year = meta.year or (paper.date.year if paper.date else None)
    if not reference.field("year") and not reference.field("date"):
        _fill(fields, "year", str(year) if year else None)
    if meta.venue and not any(reference.field(f) for f in ("journal", "booktitle", "journaltitle")):
        container = (
            "booktitle" if reference.type in ("inproceedings", "incollection", "conference") else "journal"
        )
        _fill(fields, container, bibtex_escape(meta.venue))
    _fill(fields, "doi", meta.doi)
    if meta.arxiv_id and arxiv_id_of(dict(fields)) != meta.arxiv_id and not reference.field("eprint"):
        fields += [("eprint", meta.arxiv_id), ("archiveprefix", "arXiv")]
    _fill(fields, "url", meta.url)
    if not reference.field("keywords"):
        keywords = meta.keywords if meta.reference else paper.tags
        _fill(fields, "keywords", bibtex_escape(", ".join(keywords)) if keywords else None)
    return replace(reference, names=tuple(names), fields=tuple(fields))


def merged(references: Sequence[tuple[str, Reference]]) -> tuple[Reference | None, list[dict[str, Any]]]:
    """One reference from several sources' (source, reference), field by field: the first
    source's type, key and values win, and each field or name list it lacks comes from the
    first other source that has it. Returns the reference and what was merged: for every field
    several sources gave, which source's value was kept and which differ."""
    if not references:
        return None, []
    (base_source, base), *others = references
    fields = list(base.fields)
    names = list(base.names)
    report: list[dict[str, Any]] = []
    taken_from: dict[str, str] = {k: base_source for k, _ in fields} | {k: base_source for k, _ in names}
    for source, other in others:
        for key, value in other.fields:
            if key not in taken_from:
                fields.append((key, value))
                taken_from[key] = source
            elif dict(fields)[key] != value:
                report.append({"field": key, "kept": taken_from[key], "differs": source})
        for role, people in other.names:
            if role not in taken_from:
                names.append((role, people))
                taken_from[role] = source
            elif dict(names)[role] != people:
                report.append({"field": role, "kept": taken_from[role], "differs": source})
        if other.key and base.key and other.key != base.key:
            report.append({"field": "key", "kept": base_source, "differs": source})
        if other.type != base.type:
            report.append({"field": "type", "kept": base_source, "differs": source})
    key = base.key or next((r.key for _, r in others if r.key), None)
    return replace(base, key=key, fields=tuple(fields), names=tuple(names)), report


def report_key_clashes(records: Sequence[Any], log: Any) -> CitationKeys:
    """Warn, on each record whose own citation key (its source's) a clash changed, which key its
    entries use (records: store.PaperFile; log: errors.ProblemLog). A made-up key that clashes
    gets a letter without a warning, as reference managers do: nobody chose it, and a large
    review would print one warning per namesake on every build."""
    cited = citation_keys(record.paper for record in records)
    by_id = {record.paper.id: record for record in records}
    for clash in cited.clashes:
        for paper_id, given in zip(clash.papers, clash.given, strict=True):
            record = by_id[paper_id]
            reference = record.paper.meta.reference
            if given == clash.key or reference is None or not reference.key:
                continue
            others = ", ".join(p for p in clash.papers if p != paper_id)
            log.warning(
                record.path,
                record.lines.get(("reference", "key")),
                f"citation key {clash.key!r} is also wanted by {others}; this paper is cited as {given!r} "
                "(a source's own key goes first, then the paper added first, then by id); "
                "give it a key of its own under reference.key",
            )
    return cited
