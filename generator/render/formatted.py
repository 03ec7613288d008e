"""A paper's reference formatted in APA style (7th edition), at build time, by citeproc-py.

The style is styles/apa.csl, the Citation Style Language project's APA style (CC BY-SA 3.0, its
licence in the file); citeproc-py brings the locale. Nothing is fetched from the network, and
the page needs no script to show it.
"""

from __future__ import annotations

import functools
import html
import re
import warnings
from pathlib import Path
from typing import Any

from generator.model import Paper
from generator.render.cite import csl_item

STYLE = Path(__file__).with_name("styles") / "apa.csl"
# CSL variables citeproc-py reads; others (abstract, keyword, ...) only slow it down.
_USED = (
    "id type title author editor translator container-author issued container-title volume issue "
    "number page publisher publisher-place edition DOI URL genre collection-title accessed"
).split()


@functools.cache
def _style() -> Any:
    from citeproc import CitationStylesStyle, model

    _cache_macros(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        style = CitationStylesStyle(str(STYLE), validate=False)
    _cache_static_lookups(model, style)
    return style


def _cache_static_lookups(model: Any, style: Any) -> None:
    """Answer citeproc-py's XPath searches and "does this element call a variable?" once per
    element of the style and its locales: both depend on the style alone, and together they are
    about 40% of its time. The elements are kept alive, so that lxml hands out the same Python
    object for each and id() names it for good; other elements are not cached. Done once per
    process (_style is cached): a second style would need its own elements known."""
    if getattr(model.CitationStylesElement, "_litreview_lookups", False):
        return
    model.CitationStylesElement._litreview_lookups = True
    alive = [*style.root.iter(), *(e for locale in style.root.locales for e in locale.iter())]
    known = {id(e) for e in alive}
    searched: dict[tuple[int, str], list[Any]] = {}
    calls: dict[int, bool] = {}

    def cached_search(look_up: Any) -> Any:
        def xpath_search(self: Any, expression: str) -> list[Any]:
            if id(self) not in known:
                return look_up(self, expression)
            key = (id(self), expression)
            if key not in searched:
                searched[key] = look_up(self, expression)
            return list(searched[key])

        return xpath_search

    def cached_calls(look_up: Any) -> Any:
        def calls_variable(self: Any) -> bool:
            if id(self) not in known:
                return look_up(self)
            if id(self) not in calls:
                calls[id(self)] = look_up(self)
            return calls[id(self)]

        return calls_variable

    style._litreview_alive = alive
    element = model.CitationStylesElement
    element.xpath_search = cached_search(element.xpath_search)
    for kind in (model.Parent, model.Text):
        kind.calls_variable = cached_calls(kind.calls_variable)


def _cache_macros(model: Any) -> None:
    """Make citeproc-py look a style's macros up once: it searches the style with XPath for every
    use of a macro, which is most of its time on APA's deeply nested macros."""
    element = model.CitationStylesElement
    if getattr(element, "_litreview_macros", None) is not None:
        return
    found: dict[tuple[str | None, str], Any] = {}
    look_up = element.get_macro

    def get_macro(self: Any, name: str) -> Any:
        key = (self.getroottree().docinfo.URL, name)
        macro = found.get(key)
        if macro is None:
            macro = found[key] = look_up(self, name)
        return macro

    element._litreview_macros = found
    element.get_macro = get_macro


def formatted_reference(paper: Paper, key: str | None = None) -> str:
    """The paper's APA reference as HTML (italics as <i>), or "" if citeproc-py cannot
    format it."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    item = {k: v for k, v in csl_item(paper, key).items() if k in _USED}
    item["id"] = "item"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bibliography = CitationStylesBibliography(_style(), CiteProcJSON([item]), formatter.html)
            bibliography.register(Citation([CitationItem("item")]))
            entries = bibliography.bibliography()
    except Exception:  # citeproc-py raises assorted errors on data it does not handle
        return ""
    return _tidy(str(entries[0])) if entries else ""


def _tidy(text: str) -> str:
    """citeproc-py's HTML with only <i> and <b> kept as markup, and one space between words."""
    parts = re.split(r"(</?(?:i|b)>)", text)
    out = []
    for part in parts:
        if re.fullmatch(r"</?(?:i|b)>", part):
            out.append(part)
        else:
            out.append(html.escape(html.unescape(re.sub(r"<[^>]*>", "", part)), quote=False))
    return " ".join("".join(out).split())


def plain_reference(formatted: str) -> str:
    """The formatted reference as plain text (for copying as text)."""
    return html.unescape(re.sub(r"<[^>]+>", "", formatted))
