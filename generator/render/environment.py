"""The page templates' Jinja2 environment and the filters that escape values for Markdown,
HTML and front matter."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import jinja2

from generator.cache import keys
from generator.cache.compiled_templates import checked_cache, compiled_templates_dir
from generator.records.abstracts import safe_url
from generator.render.charts import plural

# Python-Markdown's escapable characters (with the tables extension's "|"); escaping any other
# character would leave its backslash visible.
_MD_ESCAPABLE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


# Characters that are no text: C0 controls (a tab or newline is whitespace), lone surrogates,
# U+FFFE and U+FFFF. A hand-edited title may hold them as YAML escapes; in front matter they make
# MkDocs drop the page's metadata, and XML refuses them.
_NOT_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _one_line(value: object) -> str:
    return " ".join(_NOT_TEXT.sub("", str(value)).split())


def md_text(value: object) -> str:
    """Text for a Markdown context: HTML-escaped, Markdown syntax backslash-escaped, one line."""
    text = _one_line(value)
    text = html.escape(text, quote=False)
    return _MD_ESCAPABLE.sub(r"\\\1", text)


def html_text(value: object) -> str:
    """Text for HTML in a page (a raw HTML block, which Markdown leaves alone): HTML-escaped,
    one line; what md_text gives once Markdown has converted it."""
    return html.escape(_one_line(value), quote=False)


def yaml_str(value: object) -> str:
    """A front-matter value: HTML-escaped (themes print page.meta into HTML unescaped, e.g.
    <title> and <meta content>), then a YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(html.escape(_one_line(value), quote=True), ensure_ascii=False)


def bytecode_dir(cache_dir: Path) -> Path:
    """Where the page templates are kept compiled: by Jinja's version and this code, which sets
    the environment's options and filters."""
    return compiled_templates_dir(cache_dir, "pages", keys.PAGE_TEMPLATES.code())


def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The page templates' environment; with `compiled_dir`, compiled templates are kept there
    (compiling the page templates is a noticeable part of a small rebuild)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir / "pages")),
        bytecode_cache=checked_cache(compiled_dir) if compiled_dir is not None else None,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown output: each value is escaped by md_text or |e explicitly
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["md_text"] = md_text
    env.filters["html_text"] = html_text
    env.filters["yaml_str"] = yaml_str
    env.filters["safe_url"] = lambda url: safe_url(str(url)) is not None
    env.filters["plural"] = plural  # {{ n | plural("paper") }}: "1 paper", "2 papers"
    return env
