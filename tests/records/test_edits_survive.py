"""Property: whatever sequence of imports, hand edits, source changes and builds happens, every
hand edit of a paper's tags and title survives, with the person's comments."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from generator.build.pipeline import Options, generate
from generator.cli import cli
from generator.config import Settings
from generator.errors import ProblemLog
from generator.ingest.importer import sync_sources
from generator.project import Project
from tests.conftest import synthetic_abstract

TAGS = ["reinforcement-learning", "transformers", "healthcare"]


def abstract(seed: int) -> str:
    return synthetic_abstract(seed)


class ReviewLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="litreview-prop-"))
        CliRunner().invoke(cli, ["init", str(self.tmp / "r")], catch_exceptions=False)
        self.project = Project.at(self.tmp / "r")
        self.next_seed = 0
        self.sources: dict[str, list[tuple[str | None, int]]] = {}
        self.expected_tags: dict[str, list[str]] = {}
        self.expected_title: dict[str, str] = {}
        self.comments: dict[str, str] = {}
        self.add_source_file(3)
        self.do_import()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def write_sources(self) -> None:
        for name, entries in self.sources.items():
            lines = []
            for title, seed in entries:
                lines += ([title, ""] if title else []) + [abstract(seed), ""]
            (self.project.sources_dir / name).write_text("\n".join(lines))

    def add_source_file(self, papers: int) -> None:
        entries = []
        for _ in range(papers):
            self.next_seed += 1
            entries.append((f"Paper Number {self.next_seed}", self.next_seed))
        self.sources[f"{len(self.sources):03d}.txt"] = entries
        self.write_sources()

    def records(self) -> dict[str, Path]:
        return {p.stem: p for p in sorted(self.project.papers_dir.glob("*.yaml"))}

    def do_import(self) -> None:
        sync_sources(self.project, ProblemLog(self.project.root))

    # --- what people and the tool do ---------------------------------------------------------

    @rule()
    def reimport(self) -> None:
        self.do_import()

    @rule()
    def build(self) -> None:
        before = {k: p.read_bytes() for k, p in self.records().items()}
        generate(self.project, ProblemLog(self.project.root), Settings(site_title="T"), Options(sync=False))
        assert {k: p.read_bytes() for k, p in self.records().items()} == before  # build never writes records

    @rule(papers=st.integers(1, 3))
    def new_source(self, papers: int) -> None:
        self.add_source_file(papers)
        self.do_import()

    @rule(data=st.data())
    def copy_with_metadata(self, data: st.DataObject) -> None:
        """Another dump carries a known paper again, with authors and a date."""
        name = data.draw(st.sampled_from(sorted(self.sources)))
        title, seed = data.draw(st.sampled_from(self.sources[name]))
        (self.project.sources_dir / "copies.txt").write_text(
            f"{title or 'A Copy'}\n\n{abstract(seed)}\n\n  • 5 authors\n·\nMar 3, 2021\n"
        )
        self.do_import()

    @rule(data=st.data())
    def reorder_a_source(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.sources)))
        self.sources[name] = list(reversed(self.sources[name]))
        self.write_sources()
        self.do_import()

    @precondition(lambda self: self.records())
    @rule(data=st.data(), tags=st.lists(st.sampled_from(TAGS), unique=True, max_size=3))
    def hand_edit_tags(self, data: st.DataObject, tags: list[str]) -> None:
        paper_id = data.draw(st.sampled_from(sorted(self.records())))
        path = self.records()[paper_id]
        lines = path.read_text().splitlines(keepends=True)
        start = lines.index("tags:\n") if "tags:\n" in lines else lines.index("tags: []\n")
        end = start + 1
        while end < len(lines) and lines[end].startswith("- "):
            end += 1
        comment = f"# tags chosen by hand ({len(tags)})\n"
        new = [comment, "tags:\n" if tags else "tags: []\n"] + [f"- {t}\n" for t in tags]
        if start > 0 and lines[start - 1].startswith("# tags chosen"):
            start -= 1
        path.write_text("".join(lines[:start] + new + lines[end:]))
        self.expected_tags[paper_id] = tags
        self.comments[paper_id] = comment.strip()

    @precondition(lambda self: self.records())
    @rule(
        data=st.data(),
        title=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40),
    )
    def hand_edit_title(self, data: st.DataObject, title: str) -> None:
        if not title.strip():
            return
        paper_id = data.draw(st.sampled_from(sorted(self.records())))
        path = self.records()[paper_id]
        record = yaml.safe_load(path.read_text())
        lines = path.read_text().splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
        # A person types a quoted title; continuation lines of an old long title go too.
        end = index + 1
        while end < len(lines) and lines[end].startswith("  "):
            end += 1
        lines[index:end] = [
            f"title: {yaml.safe_dump(title, allow_unicode=True, width=10_000).splitlines()[0]}\n"
        ]
        path.write_text("".join(lines))
        assert yaml.safe_load(path.read_text())["title"] == title
        del record
        self.expected_title[paper_id] = title

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def hand_edits_survive(self) -> None:
        records = self.records()
        for paper_id, tags in self.expected_tags.items():
            text = records[paper_id].read_text()
            assert yaml.safe_load(text)["tags"] == tags
            assert self.comments[paper_id] in text
        for paper_id, title in self.expected_title.items():
            assert yaml.safe_load(records[paper_id].read_text())["title"] == title

    @invariant()
    def one_record_per_paper(self) -> None:
        papers = {seed for entries in self.sources.values() for _, seed in entries}
        assert len(self.records()) == len(papers)


ReviewLife.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestReviewLife = ReviewLife.TestCase
