"""Import creates records once; a person's edits to titles and tags survive import and build."""

from __future__ import annotations

from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from generator.errors import ProblemLog
from generator.ingest.importer import sync_sources
from generator.project import Project
from tests.conftest import FIXTURES, REPO, build_review, copy_review

PAIRWISE = "pairwise-rl-rlhf-framework"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def test_import_from_scratch_gives_the_bundled_records(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LITREVIEW_TODAY", "2026-11-21")  # the day the bundled papers came in
    project = copy_review(tmp_path / "r", with_papers=False)
    log = ProblemLog(project.root)
    report = sync_sources(project, log)
    assert (report.blocks, report.papers_in_sources, len(report.created)) == (225, 212, 212)
    assert log.errors == []
    # The committed records are exactly what import makes from the committed sources, plus the
    # extraction fields a curator filled in (content/fields.yaml), which import never writes.
    committed = {name: without_fields(data) for name, data in snapshot(REPO / "content" / "papers").items()}
    assert snapshot(project.papers_dir) == committed


def without_fields(record: bytes) -> bytes:
    """The record without its `fields:` block (the key and its indented lines)."""
    lines = record.decode("utf-8").splitlines(keepends=True)
    kept: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("fields:"):
            inside = True
            continue
        if inside and line.startswith(" "):
            continue
        inside = False
        kept.append(line)
    return "".join(kept).encode("utf-8")


def test_reimport_changes_nothing(review: Project) -> None:
    before = snapshot(review.papers_dir)
    report = sync_sources(review, ProblemLog(review.root))
    assert (len(report.created), len(report.updated), report.unchanged) == (0, 0, 212)
    assert snapshot(review.papers_dir) == before


def test_every_paper_has_a_tag_and_records_its_sources() -> None:
    records = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "content" / "papers").glob("*.yaml"))]
    assert len(records) == 212
    assert all(r["tags"] for r in records)
    assert sum(len(r["sources"]) for r in records) == 225
    assert sum(1 for r in records if r.get("title_derived")) == 19


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_id_and_url_stay_when_the_title_is_edited(review: Project) -> None:
    path = review.papers_dir / "trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml"
    edit(
        path,
        "title: 'TRP: Trained Rank Pruning for Efficient Deep Neural Networks'",
        "title: Rank pruning, renamed by me",
    )
    edited = path.read_bytes()
    report = sync_sources(review, ProblemLog(review.root))
    assert report.created == [] and report.updated == []
    assert path.read_bytes() == edited
    build_review(review)
    page = review.site_dir / "papers" / path.stem / "index.html"
    assert (
        BeautifulSoup(page.read_text(), "html.parser").h1.get_text().strip("¶ ")
        == "Rank pruning, renamed by me"
    )


def test_hand_edited_tags_survive_import_and_build_against_the_rules(review: Project) -> None:
    path = review.papers_dir / f"{PAIRWISE}.yaml"
    data = yaml.safe_load(path.read_text())
    assert "rlhf" in data["tags"]  # a match rule put it there...
    # ...a person removes it, adds another, and writes a comment.
    edit(path, "- rlhf\n", "- curriculum-learning  # my call, not the rules'\n")
    edited = path.read_bytes()
    sync_sources(review, ProblemLog(review.root))
    build_review(review)
    sync_sources(review, ProblemLog(review.root))
    assert path.read_bytes() == edited
    html = (review.site_dir / "papers" / PAIRWISE / "index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    tags = {a["href"] for a in soup.select("p.lr-tags a.lr-tag")}
    assert tags == {"../../topics/curriculum-learning/"}
    topic = (review.site_dir / "topics" / "rlhf" / "index.html").read_text()
    assert f"papers/{PAIRWISE}/" not in topic
    assert (
        f"papers/{PAIRWISE}/"
        in (review.site_dir / "topics" / "curriculum-learning" / "index.html").read_text()
    )


def test_a_new_source_adds_papers_and_merges_copies_keeping_edits(review: Project) -> None:
    # A dump that repeats one bundled paper (with a title and metadata) and adds a new one.
    vapo = review.papers_dir / "vapo-value-based-augmented-proximal-policy-optimization.yaml"
    abstract = yaml.safe_load(vapo.read_text())["abstract"]
    edit(vapo, "tags:\n", "# my note about VAPO\ntags:\n")
    new_abstract = (FIXTURES / "sources" / "hf_compact.txt").read_text().splitlines()[3]
    dump = (
        f"VAPO: The Real Title\n\n{abstract}\n\n  • 7 authors\n·\nApr 9\n\n"
        f"A Brand New Paper\n\n{new_abstract}\n"
    )
    (review.sources_dir / "005_more.txt").write_text(dump)
    report = sync_sources(review, ProblemLog(review.root))
    assert report.created == ["a-brand-new-paper"]
    assert report.updated == [vapo.stem]
    data = yaml.safe_load(vapo.read_text())
    assert data["title"] == "VAPO: The Real Title"  # a real title replaces the derived one
    assert data["title_derived"] is False
    assert data["authors_count"] == 7 and data["date"] == "Apr 9"
    assert data["sources"][-1] == {"file": "sources/005_more.txt", "line": 1}
    assert "# my note about VAPO" in vapo.read_text()  # the person's comment is kept
    assert data["id"] == vapo.stem
    new = yaml.safe_load((review.papers_dir / "a-brand-new-paper.yaml").read_text())
    assert new["tags"], "a new paper always gets a starter tag"


def test_a_renamed_derived_title_is_not_replaced(review: Project) -> None:
    vapo = review.papers_dir / "vapo-value-based-augmented-proximal-policy-optimization.yaml"
    abstract = yaml.safe_load(vapo.read_text())["abstract"]
    edit(vapo, "title: 'VAPO: Value-based Augmented Proximal Policy Optimization'", "title: My VAPO title")
    (review.sources_dir / "005_more.txt").write_text(f"VAPO: The Real Title\n\n{abstract}\n")
    sync_sources(review, ProblemLog(review.root))
    assert yaml.safe_load(vapo.read_text())["title"] == "My VAPO title"


def test_removing_a_source_keeps_the_papers(review: Project) -> None:
    before = snapshot(review.papers_dir)
    (review.sources_dir / "002_f63caa304246f23b.txt").unlink()
    sync_sources(review, ProblemLog(review.root))
    assert set(snapshot(review.papers_dir)) == set(before)


def test_import_refuses_to_run_on_broken_records(review: Project) -> None:
    (review.papers_dir / "broken.yaml").write_text("id: [unclosed\n")
    log = ProblemLog(review.root)
    try:
        sync_sources(review, log)
    except Exception as exc:  # ContentErrors
        assert "problem" in str(exc)
    else:
        raise AssertionError("import ran although a record could not be read")
    assert any(p.path == "content/papers/broken.yaml" and p.line for p in log.errors)
