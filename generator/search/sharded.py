"""The search index split into files that the search page fetches on demand (the sharded layout).

The index lunr.py would build grows with every abstract, and a reader's first search should not
wait for all of it. So it is cut into pieces the page loads when a query needs them; the page then
matches and scores the query's terms exactly as lunr.Index.query does on the whole index (see
templates/assets/search/sharded.js):

  search/manifest.json     what every search needs first: paper count, fields and boosts, BM25
                           parameters, each field's total token count, the first term and file
                           of each term shard, the tag labels
  search/lengths.json      each paper's token count per field (BM25's length normalisation)
  search/terms/<key>.json  a contiguous range of the sorted vocabulary: for each term and field,
                           the papers holding the term and how often (lunr's postings)
  search/titles/NN.json    id, title and tags of TITLES_PART papers each, all loaded with the page:
                           once a query is ranked its results are listed at once
  search/docs/NNN.json     the abstract snippets of CHUNK papers each, fetched for the results
                           shown and filled in as they arrive
  search/tags/<tag>.json   the papers of each tag in the order of its topic page (the topic
                           filter; generator.ordering.topic_order)

The terms are exactly lunr.py's (its tokenizer, trimmer, stop word filter and stemmer, memoised per
distinct token). The shards hold term counts rather than lunr's scores: the page computes the
scores with lunr's own BM25 expression (k1 1.2, b 0.75, lunr's idf, rounded to 3 decimals), so an
edit to one paper changes only the shards of the terms it touches, not every score whose field
length average moved. Papers are numbered 0..N-1 in the order they entered the review (then by
id), so a new paper does not renumber the others. Shard boundaries are content-defined (a hash of
each term decides whether it may start a shard) and shard files are named after their first
term, so an edit moves no boundary elsewhere and renames nothing.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from json.encoder import encode_basestring

import numpy as np
from lunr.stemmer import stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer
from scipy import sparse

from generator.cache.keys import SEARCH_TOKENS
from generator.cache.store import Cache, content_key
from generator.model import Paper, Review, Tag
from generator.ordering import topic_order
from generator.records.abstracts import plain_text
from generator.search.common import FIELDS, MANIFEST_FILE, MANIFEST_VERSION, dumps, snippet, tags_text
from generator.search.facets import facet_files

K1 = 1.2  # lunr.Builder's BM25 parameters
B = 0.75
# Papers per doc chunk. A page of results falls in about as many chunks as it has results however
# large the chunks are (results are spread over the review), so small chunks waste fewer bytes.
CHUNK = 20
# Papers per titles file. The titles of every paper come with the page, so that a ranked query
# lists its results without waiting for another round of requests; the snippets follow. Several
# files rather than one: they download in parallel, and an edit rewrites one of them.
TITLES_PART = 2000
# Shard sizes in bytes of JSON: past SHARD_MIN bytes, a shard ends before a term with a
# probability proportional to the term's size (one cut per SHARD_GAP bytes on average), and always
# once it holds SHARD_MAX bytes. Large enough that a query needs few requests, small enough that
# it does not download much of the vocabulary it does not need.
SHARD_MIN = 125_000
SHARD_GAP = 125_000
SHARD_MAX = 450_000
LENGTHS_FILE = "search/lengths.json"
BATCH = 2000  # papers tokenised at a time (all tokens of a large review at once would not fit)

# lunr.py's tokenizer splits on whitespace and hyphens only (_TOKEN). str.split() (much faster
# than a regex) also splits on every other Unicode space, listed here; text holding one takes the
# regex.
OTHER_SPACES = re.compile("[\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_TOKEN = re.compile(r"[^ \t\n\r\f\v\xa0\-]+")


def lunr_tokens(text: str) -> list[str]:
    """lunr.py's Tokenizer: lowercased, split on whitespace and hyphens."""
    lowered = text.lower()
    if OTHER_SPACES.search(lowered):
        return _TOKEN.findall(lowered)
    return lowered.replace("-", " ").split()


def utf16_key(term: str) -> bytes:
    # lunr.js compares strings by UTF-16 code units (it refuses a token set out of that order);
    # Python compares code points, which differs only above U+FFFF.
    return term.encode("utf-16-be")


class _Memo(dict[str, int]):
    """raw token -> term number (-1 for a stop word), computed on the first lookup."""

    def __init__(self, number: Callable[[str], int]) -> None:
        super().__init__()
        self._number = number

    def __missing__(self, token: str) -> int:
        self[token] = number = self._number(token)
        return number


# raw token -> its lunr term (None: a stop word), kept between builds: the stemmer is the slow part
# of the pipeline, and most tokens of a build were seen by the one before.
TermMemo = dict[str, str | None]


class Vocabulary:
    """lunr.py's pipeline (trimmer, stop word filter, stemmer) applied once per distinct token;
    `known` (a TermMemo, filled in here) saves it for tokens seen in earlier builds."""

    def __init__(self, known: TermMemo | None = None) -> None:
        self.terms: list[str] = []  # by term number; numbers are provisional, terms get sorted
        self._by_token = _Memo(self._number)
        self._by_word: dict[str, int] = {}  # trimmed word -> term number (the stemmer is the cost)
        self._by_term: dict[str, int] = {}
        self.known: TermMemo = known if known is not None else {}

    def _term_number(self, term: str) -> int:
        number = self._by_term.setdefault(term, len(self.terms))
        if number == len(self.terms):
            self.terms.append(term)
        return number

    def numbers(self, tokens: list[str]) -> np.ndarray:
        return np.fromiter(map(self._by_token.__getitem__, tokens), dtype=np.int32, count=len(tokens))

    def _number(self, raw: str) -> int:
        if raw in self.known:
            term = self.known[raw]
            return -1 if term is None else self._term_number(term)
        token = stop_word_filter(trimmer(Token(raw)))
        if token is None:
            self.known[raw] = None
            return -1
        number = self._by_word.get(token.string)
        if number is None:
            word = token.string
            number = self._term_number(stemmer(token).string)
            self._by_word[word] = number
        self.known[raw] = self.terms[number]
        return number


class FieldCounts:
    """One field of every paper: term counts (term x paper) and each paper's token count."""

    def __init__(self, terms: np.ndarray, papers: np.ndarray, paper_count: int) -> None:
        self.terms = terms
        self.papers = papers
        self.lengths = np.bincount(papers, minlength=paper_count)

    def matrix(self, rank: np.ndarray, term_count: int) -> sparse.csr_matrix:
        data = np.ones(len(self.terms), dtype=np.int32)
        counts = sparse.csr_matrix(
            (data, (rank[self.terms], self.papers)), shape=(term_count, len(self.lengths)), dtype=np.int32
        )
        counts.sum_duplicates()  # canonical: papers ascending within each term, counts summed
        return counts


def paper_order(papers: Sequence[Paper]) -> list[int]:
    """Papers numbered in the order they entered the review, so a new one renumbers no other."""
    return sorted(range(len(papers)), key=lambda i: (papers[i].added or "", papers[i].id))


class _Numbering(dict[str, int]):
    """Numbers distinct strings in the order they are first looked up."""

    def __missing__(self, key: str) -> int:
        self[key] = number = len(self)
        return number


@dataclass(frozen=True)
class FieldTokens:
    """One field of every paper, tokenised: the distinct raw tokens, and for each token
    occurrence the number of its raw token and of its paper. What lunr makes of the tokens (the
    stemmer, stop words) is applied per distinct token later, so this can be cached by text."""

    table: list[str]
    tokens: np.ndarray
    papers: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> FieldTokens:
        table = _Numbering()
        numbers, papers = [], []
        for start in range(0, len(texts), BATCH):  # in batches: see BATCH
            tokens = [lunr_tokens(text) for text in texts[start : start + BATCH]]
            per_paper = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
            flat = list(chain.from_iterable(tokens))
            numbers.append(np.fromiter(map(table.__getitem__, flat), dtype=np.int32, count=len(flat)))
            papers.append(np.repeat(np.arange(start, start + len(tokens), dtype=np.int32), per_paper))
        return cls(
            list(table),
            np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int32),
            np.concatenate(papers) if papers else np.zeros(0, dtype=np.int32),
        )


FIELD_NAMES = tuple(field["field_name"] for field in FIELDS)


def count_terms(
    texts: Sequence[dict[str, str]],
    known: TermMemo | None = None,
    given: Mapping[str, FieldTokens] | None = None,
    names: Sequence[str] = FIELD_NAMES,
) -> tuple[list[str], dict[str, sparse.csr_matrix], dict]:
    """lunr.py's terms (sorted as lunr.js sorts) and, per field, a term x paper matrix of counts
    and each paper's field length: of the fields `names` (all, by default), for the papers of
    `texts`. `known`: see Vocabulary; `given`: fields already tokenised (`texts` need not hold
    them, only be one item per paper)."""
    vocabulary = Vocabulary(known)
    fields: dict[str, FieldCounts] = {}
    for name in names:
        tokens = given[name] if given and name in given else FieldTokens.of([doc[name] for doc in texts])
        term_of_token = vocabulary.numbers(tokens.table)
        all_numbers = term_of_token[tokens.tokens] if len(tokens.tokens) else np.zeros(0, dtype=np.int32)
        kept = all_numbers >= 0  # lunr counts a field's length after the stop word filter
        fields[name] = FieldCounts(all_numbers[kept], tokens.papers[kept], len(texts))
    order = sorted(range(len(vocabulary.terms)), key=lambda n: utf16_key(vocabulary.terms[n]))
    rank = np.empty(len(order), dtype=np.int32)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
    terms = [vocabulary.terms[n] for n in order]
    lengths = {name: counts.lengths for name, counts in fields.items()}
    matrices = {name: fields.pop(name).matrix(rank, len(terms)) for name in list(fields)}
    return terms, matrices, lengths


def encode_postings(counts: sparse.csr_matrix) -> tuple[np.ndarray, list[int]]:
    """Each term's papers as gaps from the previous paper, each gap followed by -count when the
    term occurs more than once: [3, 4, -2, 10] is paper 3 once, paper 7 twice, paper 17 once.
    Returns the values of all terms and where each term's values start."""
    indptr = counts.indptr
    papers = counts.indices
    tf = counts.data
    gaps = papers.copy()
    gaps[1:] -= papers[:-1]
    starts = indptr[:-1][np.diff(indptr) > 0]
    gaps[starts] = papers[starts]  # each term's first paper is absolute
    width = 1 + (tf > 1)
    ends = np.cumsum(width)
    values = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.int32)
    where = ends - width
    values[where] = gaps
    repeated = tf > 1
    values[where[repeated] + 1] = -tf[repeated]
    return values, np.concatenate([[0], ends])[indptr].tolist()


def cut_hash(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big")


def _cuts(term_hash: int, size: int) -> bool:
    # One cut per SHARD_GAP bytes on average, decided by the term alone (its hash and its row's
    # size), so that an edit elsewhere moves no boundary.
    return term_hash * SHARD_GAP < size * (1 << 32)


def shard_key(first_term: str) -> str:
    return hashlib.blake2b(first_term.encode("utf-8"), digest_size=6).hexdigest()


def field_postings(counts: sparse.csr_matrix) -> list[str]:
    """Each term's postings in one field (encode_postings), as the inside of a JSON list."""
    values, bounds = encode_postings(counts)
    flat = values.tolist()
    return [",".join(map(str, flat[start:end])) for start, end in pairwise(bounds)]


def shards_of(
    terms: list[str], rows: list[str], hashes: Sequence[int] | None = None
) -> list[tuple[str, list[str]]]:
    """(first term, rows) per shard, cut where _cuts says; `hashes`: cut_hash of each term."""
    shards: list[tuple[str, list[str]]] = []
    size = 0
    for number, (term, row) in enumerate(zip(terms, rows, strict=True)):
        if not shards or (
            size >= SHARD_MAX
            or (
                size >= SHARD_MIN
                and _cuts(hashes[number] if hashes is not None else cut_hash(term), len(row))
            )
        ):
            shards.append((term, []))
            size = 0
        shards[-1][1].append(row)
        size += len(row) + 1
    return shards


# Where the tags field sits in a term's row: the only field a tag edit changes.
_TAGS_AT = FIELD_NAMES.index("tags")


@dataclass(frozen=True)
class TextRows:
    """What the title and abstract fields put in the search files, which a tag edit (the common
    rebuild) leaves alone: each of their terms' row without the tags field (the start up to the
    tags postings and the end after them), the terms' cut hashes, the fields' lengths, and the
    doc chunks (the snippets). Remade only when a title or abstract changes, so that a tag edit
    does not pay for every term's row again. A row is JSON made by concatenation rather than one
    json.dumps call per term, which is the slow part for a large vocabulary."""

    terms: list[str]  # sorted as lunr.js sorts
    heads: list[str]
    tails: list[str]
    hashes: list[int]
    lengths: dict[str, np.ndarray]
    chunks: dict[str, bytes]

    @classmethod
    def of(cls, given: Mapping[str, FieldTokens], snippets: list[str], known: TermMemo | None) -> TextRows:
        names = [name for name in FIELD_NAMES if name != "tags"]
        terms, matrices, lengths = count_terms([{}] * len(snippets), known, given, names)
        parts = {name: field_postings(matrices[name]) for name in names}
        before, after = FIELD_NAMES[:_TAGS_AT], FIELD_NAMES[_TAGS_AT + 1 :]
        heads = [
            "[" + encode_basestring(term) + "".join(",[" + parts[f][n] + "]" for f in before) + ",["
            for n, term in enumerate(terms)
        ]
        tails = ["]" + "".join(",[" + parts[f][n] + "]" for f in after) + "]" for n in range(len(terms))]
        chunks = {
            f"search/docs/{chunk:03d}.json": dumps({"snippets": snippets[start : start + CHUNK]})
            for chunk, start in enumerate(range(0, len(snippets), CHUNK))
        }
        return cls(terms, heads, tails, [cut_hash(term) for term in terms], lengths, chunks)

    def shards(self, tag_terms: list[str], tag_postings: list[str]) -> list[tuple[str, list[str]]]:
        """The term shards, with these terms' tags postings (the tags field's terms, sorted)."""
        postings = dict(zip(tag_terms, tag_postings, strict=True))
        known = set(self.terms)
        # A term only in tags (a tag id's or label's word no title or abstract has, such as
        # "cs") is put in its place in the order; there are few, so one by one.
        new = sorted((term for term in tag_terms if term not in known), key=utf16_key)
        empty_before = ",[]" * _TAGS_AT
        empty_after = ",[]" * (len(FIELD_NAMES) - _TAGS_AT - 1)
        terms = list(self.terms)
        rows = [
            head + postings.get(term, "") + tail
            for term, head, tail in zip(self.terms, self.heads, self.tails, strict=True)
        ]
        hashes = list(self.hashes)
        places = [bisect_left(self.terms, utf16_key(term), key=utf16_key) for term in new]
        for offset, (place, term) in enumerate(zip(places, new, strict=True)):
            terms.insert(place + offset, term)
            row = (
                "[" + encode_basestring(term) + empty_before + ",[" + postings[term] + "]" + empty_after + "]"
            )
            rows.insert(place + offset, row)
            hashes.insert(place + offset, cut_hash(term))
        return shards_of(terms, rows, hashes)


# The code that tokenises the fields and makes snippets: a change to it makes new cache entries.
TOKENS_KEY = SEARCH_TOKENS.key()


def _field_texts(papers: Sequence[Paper]) -> dict[str, list[str]]:
    return {"title": [paper.title for paper in papers], "abstract": [paper.abstract for paper in papers]}


def text_fields(
    papers: Sequence[Paper], cache: Cache | None, texts: dict[str, list[str]] | None = None
) -> tuple[dict[str, FieldTokens], list[str]]:
    """The title and abstract fields of `papers` tokenised, and their snippets: from the cache
    when the texts are unchanged (a tag edit), else made and cached: tokenising the abstracts
    is slow; the tags field, a few words each, is made every time."""
    given: dict[str, FieldTokens] = {}
    snippets: list[str] = []
    for name, raw in (texts or _field_texts(papers)).items():
        key = content_key(TOKENS_KEY, raw)
        entry = cache.get(f"search-tokens-{name}", key) if cache is not None else None
        if entry is None:
            plain = raw if name == "title" else [plain_text(text) for text in raw]
            entry = (FieldTokens.of(plain), [snippet(text) for text in plain] if name == "abstract" else [])
            if cache is not None:
                cache.put(f"search-tokens-{name}", key, entry)
        given[name] = entry[0]
        snippets = entry[1] or snippets
    return given, snippets


def text_rows(papers: Sequence[Paper], known: TermMemo | None, cache: Cache | None) -> TextRows:
    """TextRows of `papers` (in search order), from the cache when their texts are unchanged;
    the tokenised fields, much larger, are read only to make them."""
    texts = _field_texts(papers)
    key = content_key(TOKENS_KEY, [content_key(TOKENS_KEY, raw) for raw in texts.values()], str(CHUNK))
    rows = cache.get("search-text-rows", key) if cache is not None else None
    if rows is None:
        rows = TextRows.of(*text_fields(papers, cache, texts), known)
        if cache is not None:
            cache.put("search-text-rows", key, rows)
    return rows


def _titles_files(papers: Sequence[Paper]) -> dict[str, bytes]:
    return {
        f"search/titles/{part:02d}.json": dumps(
            {"docs": [[p.id, p.title, list(p.tags)] for p in papers[start : start + TITLES_PART]]}
        )
        for part, start in enumerate(range(0, len(papers), TITLES_PART))
    }


def _tags_files(papers: Sequence[Paper], tags: Iterable[str]) -> dict[str, bytes]:
    """Each tag's paper numbers in the order of its topic page, so that the search page's topic
    filter lists them as the topic page does."""
    number = {paper.id: n for n, paper in enumerate(papers)}
    return {
        f"search/tags/{tag}.json": dumps([number[paper.id] for paper in members])
        for tag, members in topic_order(papers, tags).items()
    }


def _manifest(
    paper_count: int,
    lengths: Mapping[str, np.ndarray],
    shards: list[list[str]],
    tags: Mapping[str, Tag],
    facets: Mapping[str, object],
) -> bytes:
    return dumps(
        {
            "version": MANIFEST_VERSION,
            "mode": "sharded",
            "count": paper_count,
            "fields": [[field["field_name"], field["boost"]] for field in FIELDS],
            "k1": K1,
            "b": B,
            "totals": {name: int(values.sum()) for name, values in lengths.items()},
            "lengths": LENGTHS_FILE.removeprefix("search/"),
            "shards": shards,
            "chunk": CHUNK,
            "chunks": -(-paper_count // CHUNK),
            "titles_part": TITLES_PART,
            "titles": -(-paper_count // TITLES_PART),
            "tags": {tag.id: tag.label for tag in tags.values()},
            "facets": facets,
        }
    )


def sharded_files(
    review: Review, known: TermMemo | None = None, cache: Cache | None = None
) -> dict[str, bytes]:
    """Every file of the sharded layout, by path under the docs dir (`known`: see Vocabulary;
    `cache`: see text_fields and text_rows)."""
    papers = [review.papers[i] for i in paper_order(review.papers)]
    tags = review.taxonomy.tags
    text = text_rows(papers, known, cache)
    texts = [{"tags": tags_text(paper, tags)} for paper in papers]
    tag_terms, tag_counts, tag_lengths = count_terms(texts, known, names=["tags"])
    lengths = {**text.lengths, **tag_lengths}
    files: dict[str, bytes] = {}
    shards = []
    for first, rows in text.shards(tag_terms, field_postings(tag_counts["tags"])):
        key = shard_key(first)
        shards.append([first, key])
        files[f"search/terms/{key}.json"] = ('{"terms":[' + ",".join(rows) + "]}").encode("utf-8")
    files.update(_titles_files(papers))
    files.update(text.chunks)
    files.update(_tags_files(papers, tags))
    files[LENGTHS_FILE] = dumps({name: values.tolist() for name, values in lengths.items()})
    facets, facet_data = facet_files(papers, review.taxonomy)
    files.update(facet_data)
    files[MANIFEST_FILE] = _manifest(len(papers), lengths, shards, tags, facets)
    return files
