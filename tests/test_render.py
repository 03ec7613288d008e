"""Text from sources stays text: escaping for Markdown, abstracts as safe HTML with math."""

from __future__ import annotations

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
