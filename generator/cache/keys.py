"""Every cache entry, what it is computed by, and so when it goes stale: the one place to look.

An entry's key covers the source of the modules that compute it and of every litreview module
those import, directly or not (read from their import statements, function-level ones too), so
editing or moving a module can never leave a stale entry behind: a module that is no longer
where an entry says fails loudly, and a module newly imported is covered at once. Each entry
then adds what its value is made from (records' bytes, the papers' text, the taxonomy...), which
the code that reads and writes the entry passes to `Entry.key`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from generator.cache.store import content_key

PACKAGE = "generator"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def module_file(module: str, root: Path = PACKAGE_DIR) -> Path:
    """The source file of a litreview module (`generator.x.y`), under the package folder `root`."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        raise ValueError(f"{module} is not one of litreview's modules")
    parts = module.split(".")[1:]
    for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no module {module} under {root}: a cache entry names a module that moved")


# Import statements naming litreview modules: `import generator.x`, `from generator.x import y, z`
# (y may be a module), with the names in parentheses over several lines. Read as text, not
# parsed: every build works out the keys of its entries, and parsing every module is slow.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(generator(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
    r"|import[ \t]+(generator(?:\.\w+)*))",
    re.MULTILINE,
)


@functools.cache
def _is_module(module: str, root: Path) -> bool:
    try:
        module_file(module, root)
    except FileNotFoundError:
        return False
    return True


@functools.cache
def _source(module: str, root: Path) -> bytes:
    return module_file(module, root).read_bytes()


def _imported(module: str, root: Path) -> set[str]:
    """The litreview modules that `module` imports anywhere in its source."""
    found: set[str] = set()
    for package, names, plain in _IMPORT.findall(_source(module, root).decode("utf-8")):
        if plain:
            found.add(plain)
            continue
        found.add(package)
        for name in names.strip("()").replace("\n", " ").split(","):
            words = name.split()
            if words:
                found.add(f"{package}.{words[0]}")
    return {m for m in found if m != module and _is_module(m, root)}


def module_closure(modules: Iterable[str], root: Path = PACKAGE_DIR) -> list[str]:
    """`modules` and every litreview module they import, directly or not, sorted."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_imported(module, root) - seen)
    return sorted(seen)


@functools.cache
def code_key(modules: tuple[str, ...], root: Path = PACKAGE_DIR) -> str:
    """A hash of the source of `modules` and of all the litreview code they import."""
    closure = module_closure(modules, root)
    return content_key(closure, [_source(m, root) for m in closure])


def forget_sources() -> None:
    """Read the modules again (for tests that edit them)."""
    for cached in (code_key, _source, _is_module):
        cached.cache_clear()


@dataclass(frozen=True)
class Entry:
    """A named cache entry: `computed_by` are the modules whose code makes its value; `made_from`
    says (for people) what else the key covers, which callers pass to `key`."""

    name: str
    computed_by: tuple[str, ...]
    made_from: str
    versions: tuple[str, ...] = ()  # third-party packages whose behaviour shapes the value

    def code(self, root: Path = PACKAGE_DIR) -> str:
        versions = [f"{name} {metadata.version(name)}" for name in self.versions]
        return content_key(self.name, code_key(self.computed_by, root), versions)

    def key(self, *parts: Iterable[bytes | str] | bytes | str) -> str:
        return content_key(self.code(), *parts)


_RELATED = ("generator.enrich.related", "generator.enrich.embeddings", "generator.enrich.map_layout")

# Parsing and validating records.
PARSED_RECORDS = Entry(
    "parsed-records", ("generator.records.store",), "each record's bytes; the taxonomy's tag ids"
)
FILE_DIGESTS = Entry("file-digests", ("generator.cache.digests",), "each input file's status and bytes")
IMPORT_DONE = Entry(
    "import-done", ("generator.ingest.importer",), "the sources' bytes and what records say of them"
)
# Enrichment: everything here but the key terms depends on the papers' ids and text alone.
TEXT_DIGESTS = Entry(
    "text-digests", ("generator.enrich.related", "generator.records.store"), "each record's bytes"
)
TEXT = Entry("text", _RELATED, "the papers' ids and text, the related-papers method")
VECTORS = Entry("vectors", _RELATED, "TEXT")
TEXT_FEATURES = Entry("text-features", _RELATED, "TEXT")
NEIGHBOURS = Entry("neighbours", _RELATED, "TEXT")
PAIR_TERMS = Entry("pair-terms", _RELATED, "TEXT")
TERM_MEANS = Entry("term-means", _RELATED, "TEXT")
MAP_LAYOUT = Entry("map-layout", _RELATED, "TEXT")
RELATED_CHOICES = Entry("related-choices", _RELATED, "TEXT; the papers' pins, hides and tags")
LAST_CHOICES = Entry("last-choices", _RELATED, "TEXT; what the last related choices were made from")
KEY_TERMS = Entry("key-terms", _RELATED, "TEXT; each topic's papers")
# Rendering.
FRAGMENTS = Entry(
    "fragments", ("generator.render.fragments",), "each paper (its BibTeX entry, summary and CSL line)"
)
PAGE_TEMPLATES = Entry("page-templates", ("generator.render.environment",), "Jinja's version")
PAGES = Entry("pages", ("generator.render.pages",), "the page templates; each page's data")
PAGE_STATE = Entry("page-state", ("generator.build.page_state",), "the docs folder; each page's key")
# The data files: catalog, search index.
CATALOG_LINES = Entry("catalog-lines", ("generator.render.catalog",), "each paper and its related list")
CATALOG_INDEX = Entry("catalog-index", ("generator.render.catalog",), "CATALOG_LINES")
SEARCH_TOKENS = Entry(
    "search-tokens", ("generator.search.sharded",), "the titles or abstracts", versions=("lunr",)
)
SEARCH_TEXT_ROWS = Entry("search-text-rows", ("generator.search.sharded",), "SEARCH_TOKENS", ("lunr",))
LUNR_TERMS = Entry("lunr-terms", ("generator.search.sharded",), "each token seen", versions=("lunr",))
# The build as a whole: a build of the same inputs by the same code does nothing.
GENERATED = Entry("generated", ("generator.build.pipeline",), "every input file; the settings")

ENTRIES = (
    PARSED_RECORDS,
    FILE_DIGESTS,
    IMPORT_DONE,
    TEXT_DIGESTS,
    TEXT,
    VECTORS,
    TEXT_FEATURES,
    NEIGHBOURS,
    PAIR_TERMS,
    TERM_MEANS,
    MAP_LAYOUT,
    RELATED_CHOICES,
    LAST_CHOICES,
    KEY_TERMS,
    FRAGMENTS,
    PAGE_TEMPLATES,
    PAGES,
    PAGE_STATE,
    CATALOG_LINES,
    CATALOG_INDEX,
    SEARCH_TOKENS,
    SEARCH_TEXT_ROWS,
    LUNR_TERMS,
    GENERATED,
)
