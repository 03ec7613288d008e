"""Text from sources stays text: escaping for Markdown, abstracts as safe HTML with math."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown import Markdown

from generator.abstracts import abstract_html, external_links, summary
from generator.render import md_text


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
    from generator.cache import Cache
    from generator.errors import ProblemLog
    from generator.pipeline import enrich, load_review
    from generator.project import Project
    from generator.render import render_pages
    from tests.conftest import REPO

    project = Project.at(REPO)
    review = enrich(load_review(project, ProblemLog()), Cache(tmp_path / "cache"), "lsa")
    plain = render_pages(review, project.templates_dir, "Title").files
    compiled_dir = tmp_path / "jinja"
    assert render_pages(review, project.templates_dir, "Title", compiled_dir=compiled_dir).files == plain
    entries = sorted(compiled_dir.iterdir())
    assert len(entries) >= 5, "every page template is kept compiled"
    assert render_pages(review, project.templates_dir, "Title", compiled_dir=compiled_dir).files == plain
    for n, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes([data[: len(data) // 2], data[:12] + b"\x80garbage", b""][n % 3])
    assert render_pages(review, project.templates_dir, "Title", compiled_dir=compiled_dir).files == plain


def test_key_terms_average_a_topics_rows_as_a_sparse_product_does() -> None:
    """tag_centroid averages rows with NumPy alone (a rebuild imports no SciPy); the result is
    the sparse product's to the last bit, and features pickle as arrays, without a matrix."""
    import pickle

    import numpy as np
    from scipy import sparse

    from generator.errors import ProblemLog
    from generator.pipeline import load_review
    from generator.project import Project
    from generator.related import TextFeatures, tag_centroid
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
