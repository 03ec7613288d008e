"""The MkDocs plugin's compacting of built pages."""

from __future__ import annotations

import re
from pathlib import Path

from generator.mkdocs_plugin import compact_html


def test_compacting_keeps_text_and_preformatted_content(site: Path) -> None:
    kept = "<pre>x   y\n   z</pre><script>var s = 'two  spaces';</script><code>a  b</code>"
    page = "<p>a   b</p>\n    \n  " + kept
    assert compact_html(page) == "<p>a b</p>\n" + kept
    paper = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert compact_html(paper) == paper  # the built pages are compacted already
    assert "\n  title = {" in paper  # the BibTeX block keeps its layout
    outside = re.sub(r"<(pre|script|style|code|textarea)\b.*?</\1>", lambda m: "\x00", paper, flags=re.S)
    assert not re.search(r"\s{2,}", outside)
