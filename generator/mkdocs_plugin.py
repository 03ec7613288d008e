"""litreview's MkDocs plugin (`plugins: [litreview]` in mkdocs.yml).

It compacts the whitespace of every page MkDocs writes. Material indents its templates deeply,
and in a large review the indentation alone is most of the site's bytes; a browser renders any
run of whitespace between words or tags as one space, so each run becomes one space or newline.
Text whose whitespace matters (pre, textarea, script, style, code) is left exactly as it is.

In a `litreview build` it also keeps Material's templates compiled between builds (compiling them
is a large part of a rebuild after one tag edit).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.plugins import BasePlugin

from generator.cache.compiled_templates import checked_cache

_KEEP = re.compile(r"(<(pre|textarea|script|style|code)\b.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)
_RUN = re.compile(r"\s{2,}")


def _one(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group() else " "


def compact_html(page: str) -> str:
    parts = _KEEP.split(page)
    out = []
    # re.split with two groups yields: text, whole kept element, its tag name, text, ...
    for n in range(0, len(parts), 3):
        out.append(_RUN.sub(_one, parts[n]))
        if n + 1 < len(parts):
            out.append(parts[n + 1])
    return "".join(out)


class LitreviewPlugin(BasePlugin):  # type: ignore[type-arg]
    # Where `litreview build` keeps compiled templates (site.mkdocs_config sets it); None: nowhere.
    bytecode_dir: str | None = None

    def on_env(self, env: jinja2.Environment, **kwargs: Any) -> jinja2.Environment:
        if self.bytecode_dir is not None:
            env.bytecode_cache = checked_cache(Path(self.bytecode_dir))
        return env

    def on_post_page(self, output: str, **kwargs: Any) -> str:
        return compact_html(output)
