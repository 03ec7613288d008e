"""Abstract text to safe HTML: the text stays text, URLs become links, `$...$` becomes MathML.

Abstracts are pasted from the web and published, so nothing in them is markup: markdown-it's
`zero` preset (no emphasis, headings or raw HTML) tokenises the text, linkify finds URLs, and the
dollarmath plugin finds LaTeX, which latex2mathml renders at build time (no script, no CDN).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from generator.records.titles import clean_latex

CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "bitbucket.org", "codeberg.org")
SUMMARY_CHARS = 220


@dataclass(frozen=True)
class ExternalLink:
    url: str
    label: str
    kind: str  # "code" or "link"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"linkify": True}).enable("linkify")
    # Only explicit addresses (https://..., www....): "MedRoBERTa.nl" is a model, not a link.
    md.linkify.set({"fuzzy_link": False})
    return md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)


def safe_url(url: str) -> str | None:
    """The URL if it is an http(s) address with a host, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: bool = False) -> str:
    # Imported when first needed: a rebuild that renders no math (most) saves the slow import.
    import latex2mathml.converter

    try:
        mathml = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on bad input; show the source instead
        return f'<code class="lr-tex">{html.escape(latex)}</code>'
    # Only MathML elements, and no attribute that could link, run script or restyle the page
    # (\\href{javascript:...} would give <mrow href=...>, a live link in some browsers).
    if (
        "<math" not in mathml
        or re.search(r"<(?!/?m[a-z]+[\s>/])", mathml)
        or re.search(r"\s(?:href|src|style|on\w+|xlink:\w+|xmlns:\w+)\s*=", mathml, re.IGNORECASE)
    ):
        return f'<code class="lr-tex">{html.escape(latex)}</code>'
    return mathml


def _trim_url(url: str) -> str:
    return url.rstrip(".,;:)")


# Text with none of these is plain: markdown-it would return it as one text token.
_MARKUP_HINTS = re.compile(r"[$\\&\x00]|https?:|www\.", re.IGNORECASE)


def abstract_html(text: str) -> str:
    """One paragraph of safe HTML for an abstract."""
    if not _MARKUP_HINTS.search(text):
        # Most abstracts: no links or maths. markdown-it would only normalise line endings.
        return html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=False)
    out: list[str] = []
    tokens = _parser().parseInline(text)[0].children or []
    href: str | None = None
    for token in tokens:
        if token.type == "text":
            out.append(html.escape(token.content, quote=False))
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type == "link_open":
            href = safe_url(str(token.attrs.get("href", "")))
            if href:
                out.append(f'<a href="{html.escape(href)}" rel="nofollow noopener">')
        elif token.type == "link_close":
            if href:
                out.append("</a>")
            href = None
        elif token.type in ("math_inline", "math_inline_double"):
            out.append(latex_to_mathml(token.content, display=token.type == "math_inline_double"))
        else:
            out.append(html.escape(token.content, quote=False))
    return "".join(out)


def external_links(text: str) -> list[ExternalLink]:
    """The http(s) links in an abstract, code repositories first, each once."""
    found: dict[str, ExternalLink] = {}
    if not re.search(r"https?:|www\.", text, re.IGNORECASE):
        return []
    tokens = _parser().parseInline(text)[0].children or []
    for token in tokens:
        if token.type != "link_open":
            continue
        url = safe_url(str(token.attrs.get("href", "")))
        if not url:
            continue
        url = _trim_url(url)
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        kind = "code" if host in CODE_HOSTS else "link"
        label = url.split("://", 1)[1].removeprefix("www.").rstrip("/")
        found.setdefault(url, ExternalLink(url, label, kind))
    return sorted(found.values(), key=lambda link: (link.kind != "code", link.url))


def plain_text(text: str) -> str:
    """Abstract text without LaTeX wrapping, for summaries, search snippets and feeds."""
    text = clean_latex(text)
    text = re.sub(r"\$([^$]{1,80})\$", r"\1", text)
    return " ".join(text.split())


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence of an abstract (cut at a word near `limit` characters)."""
    plain = plain_text(text)
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z])", plain)
    first = plain[: match.start()] if match else plain
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
