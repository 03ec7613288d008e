"""The command line: exact messages and exit codes, on real review folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import FIXTURES, REPO


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_check_passes_on_the_bundled_review() -> None:
    code, out = run("check", "-C", str(REPO))
    assert code == 0, out
    assert "ok: 212 papers, 40 tags" in out


def test_check_reports_every_problem_with_file_and_line(review: Project) -> None:
    papers = review.papers_dir
    (papers / "trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml").write_text(
        (papers / "trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml")
        .read_text()
        .replace("- peft-low-rank", "- not-a-tag")
    )
    (papers / "broken.yaml").write_text("id: broken\ntitle: [oops\n")
    (papers / "other-name.yaml").write_text("id: some-id\ntitle: T\nabstract: A\ntags: []\n")
    code, out = run("check", "-C", str(review.root))
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith("content/papers/trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml:")
        and "unknown tag 'not-a-tag'" in line
        for line in lines
    ), out
    assert any(
        line.startswith("content/papers/broken.yaml:") and "YAML syntax error" in line for line in lines
    )
    assert any(
        line.startswith("content/papers/other-name.yaml:1:") and "differs from the file name" in line
        for line in lines
    )
    assert "3 problems to fix before the review can be built" in out
    assert "Traceback" not in out


def test_unknown_tag_line_number_is_the_tag_line(review: Project) -> None:
    path = review.papers_dir / "trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml"
    text = path.read_text().replace("- peft-low-rank", "- not-a-tag")
    path.write_text(text)
    line = text.splitlines().index("- not-a-tag") + 1
    _code, out = run("check", "-C", str(review.root))
    assert f"{path.name}:{line}: error: unknown tag 'not-a-tag'" in out


def test_build_refuses_bad_content_and_keeps_the_last_site(review: Project) -> None:
    code, out = run("build", "-C", str(review.root), "-q")
    assert code == 0, out
    index = (review.site_dir / "index.html").read_bytes()
    (review.papers_dir / "broken.yaml").write_text("id: broken\n")
    code, out = run("build", "-C", str(review.root), "-q")
    assert code == 1
    assert "run `litreview check`" in out
    assert (review.site_dir / "index.html").read_bytes() == index


def test_init_creates_a_review_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "new-review"
    code, out = run("init", str(target), "--title", "My review")
    assert code == 0, out
    for path in ("mkdocs.yml", "content/tags.yaml", "content/sources", "content/papers", "templates/pages"):
        assert (target / path).exists(), path
    code, out = run("init", str(target))
    assert code == 1 and "exists already" in out
    code, out = run("import", "-C", str(target), str(FIXTURES / "sources" / "hf_listing.txt"))
    assert code == 0, out
    assert "4 new" in out
    assert (target / "content" / "sources" / "hf_listing.txt").is_file()
    code, out = run("build", "-C", str(target))
    assert code == 0, out
    assert "Built 4 papers" in out
    assert "My review" in (target / "site" / "index.html").read_text()
    code, out = run("check", "-C", str(target))
    assert code == 0 and "4 papers" in out


def test_import_reports_a_file_it_cannot_read(tmp_path: Path) -> None:
    target = tmp_path / "r"
    run("init", str(target))
    code, out = run("import", "-C", str(target), str(FIXTURES / "sources" / "not_a_dump.txt"))
    assert code == 1
    assert "not_a_dump.txt:1: error: no paper abstracts found" in out
    assert not (target / "content" / "sources" / "not_a_dump.txt").exists()


def test_scaffold_mkdocs_yml_matches_the_bundled_one() -> None:
    ours = (REPO / "mkdocs.yml").read_text().splitlines()
    scaffold = (REPO / "generator" / "scaffold" / "mkdocs.yml").read_text().splitlines()
    differ = [(a, b) for a, b in zip(ours, scaffold, strict=True) if a != b]
    assert [a.split(":")[0] for a, _ in differ] == ["site_name", "site_description"]


def test_python_dash_m_generator_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "generator", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("litreview, version")


def test_serve_regenerates_when_a_record_changes(review: Project) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "-C", str(review.root), "-a", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/papers/trp-trained-rank-pruning-for-efficient-deep-neural-networks/"

    def fetch_until(text: str) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if text in response.read().decode():
                        return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    try:
        assert fetch_until("TRP: Trained Rank Pruning")
        path = review.papers_dir / "trp-trained-rank-pruning-for-efficient-deep-neural-networks.yaml"
        path.write_text(path.read_text().replace("title: 'TRP: Trained", "title: 'Live edit: Trained"))
        assert fetch_until("Live edit: Trained")
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Serving on" in output
