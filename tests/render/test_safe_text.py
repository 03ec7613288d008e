"""Text that must not become live markup or break the feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from generator.errors import ProblemLog
from generator.ingest.sources import parse_source_text
from generator.model import Paper
from generator.records.abstracts import abstract_html
from generator.render.feeds import atom_feed
from tests.conftest import synthetic_abstract


def test_latex_links_never_become_live_mathml() -> None:
    html = abstract_html(r"see $\href{javascript:alert(1)}{x}$ and $\mathbf{1}$")
    assert "href=" not in html.split("<math", 1)[0] + "".join(html.split("</math>")[1:])
    assert "<mrow href" not in html and 'lr-tex">\\href{javascript:alert(1)}{x}</code>' in html


def test_control_characters_do_not_reach_the_feed() -> None:
    text = f"A Title With A Bell\x07 In It\n\n{synthetic_abstract(1)} \x0b\n"
    (block,) = parse_source_text(text, "x.txt", ProblemLog())
    paper = Paper(id="p", title=block.title or "", abstract=block.abstract, tags=(), fingerprint="")
    ET.fromstring(atom_feed([paper], title="T", feed_path="feed.xml", page_path="", site_url="", tags={}))
