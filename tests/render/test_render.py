"""Text from sources stays text: escaping for Markdown, abstracts as safe HTML with math."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown import Markdown

from generator.records.abstracts import abstract_html, external_links, summary
from generator.render.environment import md_text
from generator.render.inputs import RenderInputs


def to_html(markdown: str) -> str:
    return Markdown(extensions=["attr_list", "md_in_html", "tables"]).convert(markdown)


@pytest.mark.parametrize(
    "text",
    [
        "*not emphasis* and _not_ either",
        "# not a heading",
        "[a link](javascript:alert(1))",
        "<script>alert(1)</script>",
        "x | y | z",
        "1. not a list",
        "`code` and \\backslash",
        "{: .class } attr",
    ],
)
def test_md_text_keeps_text_as_text(text: str) -> None:
    html = to_html(f"# {md_text(text)}")
    assert html.count("<") == 2  # only <h1> and </h1>
    body = html.removeprefix("<h1>").removesuffix("</h1>")
    unescaped = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == text


def test_abstract_html_renders_math_links_and_escapes_markup() -> None:
    html = abstract_html("Score $\\mathbf{60.4}$ <b>bold</b> see https://github.com/a/b. Costs $5 and $10.")
    assert '<mn mathvariant="bold">60.4</mn>' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<a href="https://github.com/a/b" rel="nofollow noopener">' in html
    assert "$5 and $10" in html  # money is not math


def test_external_links_put_code_first_and_drop_unsafe_ones() -> None:
    links = external_links("see http://example.org/p and https://github.com/x/y, javascript:alert(1)")
    assert [(link.url, link.kind) for link in links] == [
        ("https://github.com/x/y", "code"),
        ("http://example.org/p", "link"),
    ]


def test_summary_is_the_first_sentence_without_latex() -> None:
    assert summary("We get $\\mathbf{60.4}$ points. Then more.") == "We get 60.4 points."
    long = "word " * 100
    assert summary(long).endswith("…") and len(summary(long)) <= 221


def test_compiled_page_templates_give_the_same_pages_and_damaged_ones_are_compiled_again(
    tmp_path: Path,
) -> None:
    from generator.cache.store import Cache
    from generator.enrich.stage import enrich
    from generator.errors import ProblemLog
    from generator.project import Project
    from generator.records.review import load_review
    from generator.render.pages import render_pages
    from tests.conftest import REPO

    project = Project.at(REPO)
    review = enrich(load_review(project, ProblemLog()), Cache(tmp_path / "cache"), "lsa")
    plain = render_pages(review, RenderInputs(project.templates_dir, "Title")).files
    compiled_dir = tmp_path / "jinja"
    compiled = RenderInputs(project.templates_dir, "Title", compiled_dir=compiled_dir)
    assert render_pages(review, compiled).files == plain
    entries = sorted(compiled_dir.iterdir())
    assert len(entries) >= 5, "every page template is kept compiled"
    assert render_pages(review, compiled).files == plain
    for n, entry in enumerate(entries):
        data = entry.read_bytes()
        flipped = data[:-8] + bytes([data[-8] ^ 0x40]) + data[-7:]  # one bit of the code, same length
        entry.write_bytes([data[: len(data) // 2], flipped, b""][n % 3])
    # Each damaged entry is refused (its CRC), so the template is compiled again.
    from jinja2.bccache import Bucket

    from generator.cache.compiled_templates import checked_cache
    from generator.render.environment import make_environment

    environment = make_environment(project.templates_dir, compiled_dir)
    cache = checked_cache(compiled_dir)
    for name in ("paper.md.j2", "topic.md.j2", "home.md.j2"):
        source, filename, _ = environment.loader.get_source(environment, name)
        bucket = cache.get_bucket(environment, name, filename, source)
        assert bucket.code is None, name
        assert isinstance(bucket, Bucket)
    assert render_pages(review, compiled).files == plain
    cache = checked_cache(compiled_dir)
    for name in ("paper.md.j2", "topic.md.j2", "home.md.j2"):
        source, filename, _ = environment.loader.get_source(environment, name)
        assert cache.get_bucket(environment, name, filename, source).code is not None, "kept again"


@pytest.mark.parametrize(
    ("title", "summary_text"),
    [
        ("Plain title", "A plain summary."),
        ("A & B <c> \"quoted\" 'single'", "x < y && z > w; 5 * 3 = 15_000 [note] (see #2)."),
        ("# Not a heading *emph* `code` _u_", "1. not a list - nor this + or that! \\backslash\\"),
        ("<script>alert(1)</script> &amp; &#x27; entities", "[link](javascript:x) <b>bold</b> ![img](x.png)"),
        ("Tabs\tand\nnewlines  and   spaces", "Unicode: naïve café 数学 \u2003em space"),
    ],
)
def test_topic_list_html_is_what_the_markdown_list_made(title: str, summary_text: str) -> None:
    """Topic pages list papers as HTML that Markdown passes through; it is the HTML the Markdown
    list of md_text entries gave (MkDocs turned the .md link into this URL)."""
    from generator.render.environment import html_text

    url = "../../papers/some-paper/"
    markdown = Markdown(extensions=["attr_list", "md_in_html", "tables", "toc"])
    old = markdown.convert(
        f'- [{md_text(title)}]({url}) <span class="lr-date">May 29, 2024</span>'
        f'<br><span class="lr-summary">{md_text(summary_text)}</span>\n'
    )
    new = (
        f'<ul>\n<li><a href="{url}">{html_text(title)}</a> <span class="lr-date">May 29, 2024</span>'
        f'<br><span class="lr-summary">{html_text(summary_text)}</span></li>\n</ul>'
    )
    assert old == new
    assert Markdown(extensions=["attr_list", "md_in_html", "tables", "toc"]).convert(new + "\n") == new


def test_topic_pairs_that_share_no_paper_are_not_listed() -> None:
    from generator.model import Paper, Tag
    from generator.render.charts import cooccurrence_chart

    tags = {t: Tag(id=t, label=t.upper(), description="", group="g") for t in ("a", "b", "c")}
    tagged = [("a", "b"), ("c",), ("a",)]
    papers = [Paper(id=f"p{n}", title="", abstract="", tags=t, fingerprint="") for n, t in enumerate(tagged)]
    members = {t: [p for p in papers if t in p.tags] for t in tags}
    chart = cooccurrence_chart(members, tags, "lr-together")
    assert "<ol><li>A and B: 1</li></ol>" in chart


def test_key_terms_average_a_topics_rows_as_a_sparse_product_does() -> None:
    """tag_centroid averages rows with NumPy alone (a rebuild imports no SciPy); the result is
    the sparse product's to the last bit, and features pickle as arrays, without a matrix."""
    import pickle

    import numpy as np
    from scipy import sparse

    from generator.enrich.related import TextFeatures, tag_centroid
    from generator.errors import ProblemLog
    from generator.project import Project
    from generator.records.review import load_review
    from tests.conftest import REPO

    features = TextFeatures.of(load_review(Project.at(REPO), ProblemLog()).papers)
    loaded = pickle.loads(pickle.dumps(features))
    assert "matrix" not in loaded.__dict__ and (loaded.matrix != features.matrix).nnz == 0
    rng = np.random.default_rng(7)
    count = features.shape[0]
    for size in (1, 2, 17, count // 2, count):
        members = np.unique(rng.choice(count, size, replace=False))
        n = len(members)
        averaging = sparse.csr_matrix(
            (np.full(n, 1.0 / n), (np.zeros(n, dtype=int), np.arange(n))), shape=(1, n)
        )
        expected = (averaging @ features.matrix[members].astype(np.float64)).toarray()[0]
        assert np.array_equal(tag_centroid(loaded, members), expected)
