"""Why two papers are related, a person's pins and hides, topic key terms, and tag suggestions."""

from __future__ import annotations

import json

import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import REPO, build_review

VAPO = "vapo-value-based-augmented-proximal-policy-optimization"
DAPO = "dapo-decoupled-clip-and-dynamic-sampling-policy-optimization"
TRP = "trp-trained-rank-pruning-for-efficient-deep-neural-networks"


def related_ids(project: Project, paper: str) -> list[str]:
    catalog = json.loads((project.site_dir / "catalog.json").read_text())
    return [r["id"] for r in next(p for p in catalog["papers"] if p["id"] == paper)["related"]]


def test_each_related_link_says_why(site) -> None:  # type: ignore[no-untyped-def]
    soup = BeautifulSoup((site / "papers" / VAPO / "index.html").read_text(), "html.parser")
    items = soup.find(id="related-papers").find_next("ol").find_all("li", recursive=False)
    reasons = [li.select_one(".lr-why").get_text() for li in items]
    assert all("common terms:" in r for r in reasons)
    # The why names what the method used: the text, and the tags of the paper's nearest papers
    # when they counted (shown apart from the terms).
    assert all("tag" not in r for r in reasons)
    used = [li.select_one(".lr-via") for li in items]
    assert any(used), "tags helped choose some of them"
    assert all("tagged like its nearest papers:" in u.get_text() for u in used if u)
    catalog = json.loads((site / "catalog.json").read_text())
    listed = next(p for p in catalog["papers"] if p["id"] == VAPO)["related"]
    first = next(r for r in listed if r["id"] == DAPO)  # its closest sibling, by text
    assert first["terms"] and first["pinned"] is False and first["tags_used"] == ["rl-reasoning"]
    # The shared terms really are in both papers' text.
    for paper in (VAPO, DAPO):
        text = (REPO / "content" / "papers" / f"{paper}.yaml").read_text().lower()
        assert all(word in text for term in first["terms"] for word in term.split())


def test_topic_pages_show_key_terms(site) -> None:  # type: ignore[no-untyped-def]
    soup = BeautifulSoup((site / "topics" / "rlhf" / "index.html").read_text(), "html.parser")
    terms = [em.get_text() for em in soup.select(".lr-key-terms em")]
    assert "reward" in terms and "rlhf" in terms and len(terms) == 8
    catalog = json.loads((site / "catalog.json").read_text())
    assert next(t for t in catalog["tags"] if t["id"] == "rlhf")["key_terms"] == terms


def test_pins_and_hides_survive_import_and_build(review: Project) -> None:
    build_review(review)
    before = related_ids(review, VAPO)
    path = review.papers_dir / f"{VAPO}.yaml"
    text = path.read_text().replace(
        "tags:\n", f"related:\n  pin: [{TRP}]  # my pick\n  hide: [{DAPO}]\ntags:\n", 1
    )
    path.write_text(text)
    build_review(review)
    after = related_ids(review, VAPO)
    assert after[0] == TRP and DAPO not in after and len(after) == 5
    assert after[1:] == [i for i in before if i != DAPO][:4]
    html = (review.site_dir / "papers" / VAPO / "index.html").read_text()
    assert "pinned" in BeautifulSoup(html, "html.parser").find(id="related-papers").find_next("ol").get_text()
    build_review(review)  # again, with an import in between
    assert path.read_text() == text
    assert related_ids(review, VAPO) == after


def test_pins_naming_unknown_papers_are_errors_with_lines(review: Project) -> None:
    path = review.papers_dir / f"{VAPO}.yaml"
    path.write_text(
        path.read_text().replace("tags:\n", f"related:\n  pin: [no-such-paper, {VAPO}]\ntags:\n", 1)
    )
    result = CliRunner().invoke(cli, ["check", "-C", str(review.root)])
    assert result.exit_code == 1
    assert f"{VAPO}.yaml:7: error: related.pin: 'no-such-paper' is no paper with that id" in result.output
    assert f"{VAPO}.yaml:7: error: related.pin: '{VAPO}' is the paper itself" in result.output


def test_suggest_writes_a_report_and_changes_no_paper(review: Project) -> None:
    before = {p.name: p.read_bytes() for p in review.papers_dir.glob("*.yaml")}
    # Take a tag off a paper that clearly has it: the models learned from the others should
    # suggest it back.
    path = review.papers_dir / "rm-r1-reward-modeling-as-reasoning.yaml"
    path.write_text(path.read_text().replace("- rlhf\n", ""))
    result = CliRunner().invoke(cli, ["suggest", "-C", str(review.root)])
    assert result.exit_code == 0, result.output
    report = yaml.safe_load((review.content_dir / "suggested-tags.yaml").read_text())
    assert {"tag": "rlhf"}.items() <= report["rm-r1-reward-modeling-as-reasoning"][0].items()
    after = {p.name: p.read_bytes() for p in review.papers_dir.glob("*.yaml")}
    assert {k for k in after if after[k] != before[k]} == {path.name}
    assert "suggestions for" in result.output
