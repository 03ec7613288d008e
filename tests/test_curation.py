"""Curating a review from the command line: excluding papers, listing, renaming, merging and
applying tags, and what `check --site` says of a site built for another address."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import build_review, synthetic_abstract

PAPER = "2-olmo-2-furious"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def record(project: Project, paper_id: str) -> dict:
    return yaml.safe_load((project.papers_dir / f"{paper_id}.yaml").read_text())


# --- remove ---------------------------------------------------------------------------------


def test_remove_excludes_a_paper_for_good(review: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITREVIEW_TODAY", "2025-03-14")
    path = review.papers_dir / f"{PAPER}.yaml"
    before = path.read_text()
    code, out = run("remove", PAPER, "--reason", "not about [training] data", "-C", str(review.root))
    assert code == 0, out
    assert out.splitlines() == [
        f"excluded {PAPER}: not about [training] data",
        "1 paper out of the review from the next build on",
    ]
    text = path.read_text()
    assert text.startswith(before.split("tags:")[0])  # comments, id and title as they were
    assert (
        "status: excluded\nexcluded:\n  reason: not about [training] data\n  date: '2025-03-14'\ntags:"
        in text
    )
    assert run("remove", PAPER, "--reason", "again", "-C", str(review.root))[1].splitlines()[0] == (
        f"{PAPER} was excluded already"
    )

    code, out = run("check", "-C", str(review.root))
    assert code == 0, out
    assert "ok: 211 papers, 40 tags, 1 excluded" in out

    build_review(review)
    site = review.site_dir
    assert not (site / "papers" / PAPER).exists()
    catalog = json.loads((site / "catalog.json").read_text())
    assert PAPER not in {paper["id"] for paper in catalog["papers"]}
    for name in ("references.bib", "references.json", "feed.xml", "search/papers-index.json"):
        assert PAPER not in (site / name).read_text(), name

    # Importing the sources again (as a build does) recognises the paper and leaves it out.
    count = len(list(review.papers_dir.glob("*.yaml")))
    code, out = run("import", str(review.sources_dir / "001_ca378cfbdc088b08.txt"), "-C", str(review.root))
    assert code == 0, out
    assert out.splitlines()[-1].endswith("0 new, 0 updated, 211 unchanged, 1 excluded.")
    assert len(list(review.papers_dir.glob("*.yaml"))) == count
    assert record(review, PAPER)["status"] == "excluded"


def test_remove_refuses_an_unknown_paper_and_changes_nothing(review: Project) -> None:
    code, out = run("remove", PAPER, "no-such-paper", "--reason", "x", "-C", str(review.root))
    assert code == 1
    assert out == "error: content/papers/no-such-paper.yaml does not exist; nothing was excluded\n"
    assert "status" not in record(review, PAPER)


def test_remove_takes_the_paper_off_pins(review: Project) -> None:
    other = review.papers_dir / "1-5-pints-technical-report-pretraining-in-days-not-months.yaml"
    other.write_text(other.read_text() + f"related:\n  pin: [{PAPER}]\n")
    code, out = run("remove", PAPER, "--reason", "x", "-C", str(review.root))
    assert code == 0, out
    assert (
        "1-5-pints-technical-report-pretraining-in-days-not-months: took the excluded papers off related.pin"
        in out
    )
    assert run("check", "-C", str(review.root))[0] == 0


def test_a_pin_of_an_excluded_paper_is_an_error(review: Project) -> None:
    run("remove", PAPER, "--reason", "x", "-C", str(review.root))
    other = review.papers_dir / "1-5-pints-technical-report-pretraining-in-days-not-months.yaml"
    other.write_text(other.read_text() + f"related:\n  pin: [{PAPER}]\n  hide: [{PAPER}]\n")
    code, out = run("check", "-C", str(review.root))
    assert code == 1
    assert (
        f"related.pin: '{PAPER}' is excluded from the review (status: excluded); take it off the list"
    ) in out
    assert "related.hide" not in out


def test_check_warns_of_an_exclusion_no_source_has(review: Project) -> None:
    path = review.papers_dir / f"{PAPER}.yaml"
    path.write_text(
        path.read_text()
        .replace("tags:", "status: excluded\nexcluded: {reason: dropped, date: 2025-01-01}\ntags:", 1)
        .replace("- file: sources/", "- file: sources/gone-", 1)
    )
    code, out = run("check", "-C", str(review.root))
    assert code == 0, out
    (line,) = [line for line in out.splitlines() if "excluded, but" in line]
    (source,) = record(review, PAPER)["sources"]
    assert line == (
        f"content/papers/{PAPER}.yaml:5: warning: excluded, but no source has this paper any more "
        f"(it was {source['file']}:{source['line']}); delete the record if it should not be kept out "
        "of later imports"
    )


def test_bad_exclusions_are_reported(review: Project) -> None:
    path = review.papers_dir / f"{PAPER}.yaml"
    path.write_text(
        path.read_text().replace("tags:", "status: gone\nexcluded: {why: x, date: soon}\ntags:", 1)
    )
    code, out = run("check", "-C", str(review.root))
    assert code == 1
    assert (
        "status must be one of: included, excluded, awaiting-screening, awaiting-full-text, got 'gone'"
        in out
    )
    assert "excluded is set but status is 'gone': a contradiction; set status: excluded" in out
    assert "unknown key 'why' under excluded (expected stage, reason, date)" in out
    assert "excluded.date must be a day such as 2024-05-07, got 'soon'" in out


# --- tags -----------------------------------------------------------------------------------

TAXONOMY = """\
# A small taxonomy: this comment must survive every command.
groups:
  main:
    label: Main
    description: Everything.
tags:
  rl:  # reinforcement learning
    label: Reinforcement learning
    description: Agents that learn from rewards.
    group: main
    aliases: [RL]
    match:
      - reinforcement learning
  robots:
    label: Robots
    description: Robot learning.
    group: main
    match:
      - robot arm
  vision:
    label: Vision
    description: Images.
    group: main
"""


def small_review(root: Path) -> Project:
    assert run("init", str(root))[0] == 0
    project = Project.at(root)
    project.tags_file.write_text(TAXONOMY)
    papers = {
        "alpha": (["rl"], "reinforcement learning for a robot arm"),
        "beta": (["robots", "vision"], "a robot arm that sees"),
        "gamma": ([], "reinforcement learning with images"),
    }
    for paper_id, (tags, words) in papers.items():
        data = {
            "id": paper_id,
            "title": paper_id.title(),
            "tags": tags,
            "abstract": f"We study {words}. " + synthetic_abstract(paper_id),
        }
        text = "# Kept by every command.\n" + yaml.safe_dump(data, sort_keys=False, width=1000)
        (project.papers_dir / f"{paper_id}.yaml").write_text(text)
    return project


def test_tags_lists_counts_groups_and_untagged_papers(tmp_path: Path) -> None:
    project = small_review(tmp_path / "r")
    code, out = run("tags", "-C", str(project.root))
    assert code == 0, out
    assert out == textwrap.dedent(
        """\
        tag     papers  group
        rl           1  main
        robots       1  main
        vision       1  main
        3 tags, 3 papers
        papers without tags (1):
          gamma
        """
    )


def test_tag_rename_changes_taxonomy_and_records(tmp_path: Path) -> None:
    project = small_review(tmp_path / "r")
    code, out = run("tag", "rename", "rl", "reinforcement", "-C", str(project.root))
    assert code == 0, out
    assert out == textwrap.dedent(
        """\
        content/tags.yaml: tag rl is now reinforcement (its page moves to topics/reinforcement/)
        1 paper retagged rl -> reinforcement:
          alpha
        """
    )
    assert project.tags_file.read_text() == TAXONOMY.replace("  rl:  #", "  reinforcement: #")
    text = (project.papers_dir / "alpha.yaml").read_text()
    assert text.startswith("# Kept by every command.\nid: alpha\ntitle: Alpha\ntags:\n- reinforcement\n")
    code, out = run("tag", "rename", "robots", "vision", "-C", str(project.root))
    assert code == 1
    assert "the tag 'vision' exists already; to put 'robots' into it, use `litreview tag merge`" in out


def test_tag_merge_moves_papers_and_aliases(tmp_path: Path) -> None:
    project = small_review(tmp_path / "r")
    code, out = run("tag", "merge", "robots", "vision", "-C", str(project.root))
    assert code == 0, out
    assert out == textwrap.dedent(
        """\
        content/tags.yaml: tag robots merged into vision; vision gained the aliases: Robots
        1 paper retagged robots -> vision:
          beta (had vision already)
        robots had 1 match rules, which were not moved: add the ones vision should have to its match list
        """
    )
    taxonomy = project.tags_file.read_text()
    assert taxonomy.startswith("# A small taxonomy: this comment must survive every command.\n")
    assert "robots" not in yaml.safe_load(taxonomy)["tags"]
    assert yaml.safe_load(taxonomy)["tags"]["vision"]["aliases"] == ["Robots"]
    assert record(project, "beta")["tags"] == ["vision"]
    assert run("check", "-C", str(project.root))[0] == 0


def test_tag_apply_previews_then_writes(tmp_path: Path) -> None:
    project = small_review(tmp_path / "r")
    (project.content_dir / "suggested-tags.yaml").write_text(
        "gamma:\n- tag: vision\n  score: 0.9\n  accept: true\n- tag: robots\n  score: 0.5\n"
    )
    before = {p.name: p.read_text() for p in project.papers_dir.glob("*.yaml")}
    code, out = run("tag", "apply", "-C", str(project.root))
    assert code == 0, out
    assert out == textwrap.dedent(
        """\
        alpha: +robots
        gamma: +rl +vision
        would add 3 tags to 2 papers; run `litreview tag apply --write` to write them
        """
    )
    assert {p.name: p.read_text() for p in project.papers_dir.glob("*.yaml")} == before
    code, out = run("tag", "apply", "--write", "-C", str(project.root))
    assert code == 0, out
    assert out.splitlines()[-1] == "added 3 tags to 2 papers"
    assert record(project, "alpha")["tags"] == ["rl", "robots"]
    assert record(project, "gamma")["tags"] == ["rl", "vision"]
    assert run("tag", "apply", "-C", str(project.root))[1] == (
        "nothing to add: every paper has the tags its rules and accepted suggestions give\n"
    )


# --- check --site and help ------------------------------------------------------------------


def test_check_site_says_set_site_url(built_review: Project) -> None:
    code, out = run("check", "-C", str(built_review.root), "--site", "--base-url", "/my-review/")
    assert code == 1
    last = out.strip().splitlines()[-1]
    assert "the site was built without SITE_URL" in out and "set SITE_URL" in out, last
    assert "fix the template or content" not in out


def test_help_names_every_format() -> None:
    top = run("--help")[1]
    import_help = run("import", "--help")[1]
    for name in ("arXiv", "Hugging Face", "BibTeX", "RIS", "Zotero", "Atom", "JSON Lines"):
        assert name in top and name in import_help, name
    assert "litreview import ~/Downloads/refs.bib" in import_help
    for command in ("remove", "tags", "tag"):
        assert command in top
