"""Edge cases found in review: each was a real failure before its fix."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from generator.enrich.map_layout import layout
from generator.errors import ProblemLog
from generator.files import atomic_write_text
from generator.ingest.formats import decode_latex, read_arxiv_atom, read_json_records
from generator.ingest.sources import parse_source_text
from generator.model import Paper
from generator.records.abstracts import abstract_html
from generator.records.taxonomy import load_taxonomy
from generator.render.feeds import atom_feed
from tests.conftest import synthetic_abstract


def test_latex_links_never_become_live_mathml() -> None:
    html = abstract_html(r"see $\href{javascript:alert(1)}{x}$ and $\mathbf{1}$")
    assert "href=" not in html.split("<math", 1)[0] + "".join(html.split("</math>")[1:])
    assert "<mrow href" not in html and 'lr-tex">\\href{javascript:alert(1)}{x}</code>' in html


def test_bibtex_decoding_leaves_math_alone() -> None:
    text = r"$O(\varepsilon \cdot \kappa)$ with $\vec{x}$ and $\cos\theta$, M{\"u}ller, \$5"
    assert decode_latex(text) == r"$O(\varepsilon \cdot \kappa)$ with $\vec{x}$ and $\cos\theta$, Müller, $5"


def test_categories_given_as_one_string() -> None:
    line = '{"id": "2501.00001", "title": "T", "abstract": "A.", "categories": "cs.CL cs.LG"}'
    (block,) = read_json_records(line, "x.jsonl", ProblemLog(), "x.jsonl")
    assert block.meta.keywords == ("cs.CL", "cs.LG")


def test_an_impossible_date_in_atom_is_a_warning() -> None:
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001v1</id>'
        "<title>T</title><summary>S</summary><published>2024-13-01T00:00:00Z</published></entry></feed>"
    )
    log = ProblemLog()
    (block,) = read_arxiv_atom(feed, "x.xml", log, "x.xml")
    assert block.date is None and log.warnings and not log.errors


def test_control_characters_do_not_reach_the_feed() -> None:
    text = f"A Title With A Bell\x07 In It\n\n{synthetic_abstract(1)} \x0b\n"
    (block,) = parse_source_text(text, "x.txt", ProblemLog())
    paper = Paper(id="p", title=block.title or "", abstract=block.abstract, tags=(), fingerprint="")
    ET.fromstring(atom_feed([paper], title="T", feed_path="feed.xml", page_path="", site_url="", tags={}))


def test_map_layout_of_indistinguishable_papers() -> None:
    for vectors in (np.zeros((6, 2)), np.ones((6, 3)), np.ones((7, 1))):
        points = layout(vectors)
        assert points.shape == (len(vectors), 2) and np.isfinite(points).all()


def test_group_ids_must_be_slugs(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text("groups:\n  'a\"><b':\n    label: G\ntags: {}\n")
    log = ProblemLog()
    load_taxonomy(path, log)
    assert any("group id" in p.message and p.line == 2 for p in log.errors)


def test_rewritten_files_keep_their_mode(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text("a: 1\n")
    os.chmod(path, 0o644)
    atomic_write_text(path, "a: 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    fresh = tmp_path / "new.yaml"
    atomic_write_text(fresh, "b: 1\n")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044  # readable by others, as with open()


def test_a_title_before_an_overlong_line_is_reported() -> None:
    log = ProblemLog()
    parse_source_text(f"A Lost Title\n{'x ' * 15000}\nGood Title\n\n{synthetic_abstract(2)}\n", "x.txt", log)
    assert any("has no abstract after it" in p.message and p.line == 1 for p in log.problems)
