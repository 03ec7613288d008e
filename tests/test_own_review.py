"""A researcher's own review, from `litreview init` to a checked site, with litreview installed
from its wheel as a review's publish workflow installs it (issue #18).

The wheel of this checkout is installed into fresh virtual environments. Its dependencies come
from the project's environment (a .pth file adds its site-packages after the new environment's
own), so nothing is downloaded; `generator` itself must come from the wheel, which the tests
check. Then the publish workflow that init wrote runs its `run:` steps in the review, as Actions
runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__
from generator.cli import cli
from generator.scaffold import DISTRIBUTION, requirement_line
from tests.conftest import FIXTURES, REPO, SITE_URL, synthetic_abstract

BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable))
DEPENDENCIES = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    tools: Path  # a folder for the front of PATH: `python3` is the base interpreter

    @property
    def litreview(self) -> Path:
        return self.venv / "bin" / "litreview"


def make_venv(venv: Path) -> None:
    """A virtual environment that sees the project's dependencies but not its litreview."""
    subprocess.run([str(BASE_PYTHON), "-m", "venv", str(venv)], check=True, timeout=120)
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Plain lines: the folders go on sys.path after the venv's own, and their .pth files (the
    # project's editable install among them) are not read.
    (Path(purelib) / "_project_dependencies.pth").write_text("\n".join(DEPENDENCIES) + "\n")


def offline_env(tools: Path, **extra: str) -> dict[str, str]:
    """The environment of a step: no index, no dependencies to fetch (they are all there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    # Force: a litreview-site the project's environment may hold must not count as installed.
    env.update(PIP_NO_INDEX="1", PIP_NO_DEPS="1", PIP_FORCE_REINSTALL="1", **extra)
    return env


def imported_from(python: Path, cwd: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import generator; print(generator.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    ).stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """litreview's wheel, built from this checkout and installed into a fresh venv."""
    root = tmp_path_factory.mktemp("own-review")
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("*.whl")
    assert wheel.name == f"{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
    tools = root / "tools"
    tools.mkdir()
    (tools / "python3").symlink_to(BASE_PYTHON)
    venv = root / "venv"
    make_venv(venv)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        timeout=300,
        env=offline_env(tools),
    )
    return Installed(wheel, venv, tools)


def test_the_wheel_carries_the_templates_and_the_scaffold(installed: Installed) -> None:
    import zipfile

    names = set(zipfile.ZipFile(installed.wheel).namelist())
    templates = {
        "generator/_templates/" + p.relative_to(REPO / "templates").as_posix()
        for p in (REPO / "templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert templates <= names, sorted(templates - names)
    assert "generator/_templates/assets/search/single.js" in names
    assert "generator/_templates/assets/search/sharded.js" in names
    scaffold = {f"generator/scaffold/{p.name}" for p in (REPO / "generator" / "scaffold").iterdir()}
    assert scaffold <= names, sorted(scaffold - names)
    assert not any(n.startswith(("content/", "tests/", "site/")) for n in names)


def test_litreview_comes_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    where = Path(imported_from(installed.venv / "bin" / "python", tmp_path))
    assert where.is_relative_to(installed.venv), where
    out = subprocess.run([str(installed.litreview), "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout


def run_steps(review: Path, tools: Path) -> list[str]:
    """Every `run:` step of the written workflow's build job, in order, as Actions runs it (bash,
    -e and pipefail, in the checkout, with the step's env and SITE_URL as configure-pages sets it).
    Returns the commands run."""
    flow = yaml.safe_load((review / ".github" / "workflows" / "publish.yml").read_text())
    ran = []
    for step in flow["jobs"]["build"]["steps"]:
        if "run" not in step:
            continue
        env = {k: str(v) for k, v in step.get("env", {}).items()}
        env = {k: (SITE_URL if "steps.pages.outputs.base_url" in v else v) for k, v in env.items()}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=review,
            capture_output=True,
            text=True,
            timeout=600,
            env=offline_env(tools, **env),
        )
        assert result.returncode == 0, f"{step['run']}\n{result.stdout}\n{result.stderr}"
        ran.append(step["run"])
    return ran


def test_init_import_and_the_written_workflow_build_and_check_the_site(
    installed: Installed, tmp_path: Path
) -> None:
    review = tmp_path / "my-review"
    init = subprocess.run(
        [
            str(installed.litreview),
            "init",
            str(review),
            "--title",
            "My own review",
            "--pin",
            str(installed.wheel),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=offline_env(installed.tools),
    )
    assert init.returncode == 0, init.stderr
    line = f"{DISTRIBUTION} @ {installed.wheel.resolve().as_uri()}"
    assert f"requirements.txt pins litreview as: {line}" in init.stderr
    assert (review / "requirements.txt").read_text().splitlines()[-1] == line
    assert not (review / "pyproject.toml").exists()
    source = tmp_path / "hf_listing.txt"
    shutil.copy(FIXTURES / "sources" / "hf_listing.txt", source)
    imported = subprocess.run(
        [str(installed.litreview), "import", "-C", str(review), str(source)],
        capture_output=True,
        text=True,
        env=offline_env(installed.tools),
    )
    assert imported.returncode == 0, imported.stderr

    # The one departure from Actions: .venv exists before the step makes it (`python3 -m venv`
    # keeps what it holds), so that it sees the dependencies without downloading them.
    make_venv(review / ".venv")
    ran = run_steps(review, installed.tools)

    assert ran[0] == (
        "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/litreview build"
    )
    assert ran[-1] == ".venv/bin/litreview check --site"
    where = Path(imported_from(review / ".venv" / "bin" / "python", review))
    assert where.is_relative_to(review / ".venv"), where  # the workflow's litreview is the wheel's
    index = (review / "site" / "index.html").read_text()
    assert "My own review" in index
    assert f"<loc>{SITE_URL}" in (review / "site" / "sitemap.xml").read_text()  # SITE_URL was seen
    assert len(list((review / "site" / "papers").iterdir())) == 4


def test_the_written_workflow_does_not_need_the_code(installed: Installed, tmp_path: Path) -> None:
    """It installs from requirements.txt, not `pip install -e .` (a review has no pyproject.toml)."""
    review = tmp_path / "r"
    subprocess.run([str(installed.litreview), "init", str(review)], check=True, capture_output=True)
    flow = (review / ".github" / "workflows" / "publish.yml").read_text()
    assert "pip install -e ." not in flow and "pip install -r requirements.txt" in flow
    assert (review / "requirements.txt").read_text().splitlines()[-1] == f"{DISTRIBUTION}=={__version__}"


# --- small reviews build strictly and pass the site check ---------------------------------


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    yield CliRunner()


def new_review(runner: CliRunner, root: Path, papers: int, tags_yaml: str | None = None) -> Path:
    """A review made by init, with `tags_yaml` as its taxonomy and `papers` papers imported."""
    result = runner.invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    if tags_yaml is not None:
        (root / "content" / "tags.yaml").write_text(tags_yaml)
    if papers:
        source = root.parent / f"{root.name}.txt"
        source.write_text(
            "".join(
                f"Paper number {i} on clinical transformers\n{synthetic_abstract(i)}\n" for i in range(papers)
            )
        )
        result = runner.invoke(cli, ["import", "-C", str(root), str(source)])
        assert result.exit_code == 0, result.output
    return root


def build_and_check(runner: CliRunner, root: Path) -> None:
    result = runner.invoke(cli, ["build", "-C", str(root), "-q", "--strict"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["check", "--site", "-C", str(root)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("papers", [0, 1, 2])
@pytest.mark.parametrize("search", ["auto", "sharded"])
def test_small_reviews_build_strictly(runner: CliRunner, tmp_path: Path, papers: int, search: str) -> None:
    import json

    root = new_review(runner, tmp_path / "review", papers)
    mkdocs = root / "mkdocs.yml"
    mkdocs.write_text(mkdocs.read_text().replace("search: auto", f"search: {search}"))
    build_and_check(runner, root)
    assert len(list((root / "content" / "papers").glob("*.yaml"))) == papers
    manifest = json.loads((root / "site" / "search" / "manifest.json").read_text())
    assert manifest["count"] == papers
    if manifest["mode"] == "single":
        index = json.loads((root / "site" / "search" / "papers-index.json").read_text())
        assert len(index["docs"]) == papers
        assert index["index"]["fields"] == ["title", "tags", "abstract"]


@pytest.mark.parametrize("tags_yaml", ["", "groups: {}\ntags: {}\n"])
@pytest.mark.parametrize("papers", [0, 2])
def test_a_review_with_no_tags_builds_strictly(
    runner: CliRunner, tmp_path: Path, tags_yaml: str, papers: int
) -> None:
    root = new_review(runner, tmp_path / "review", papers, tags_yaml)
    for record in (root / "content" / "papers").glob("*.yaml"):
        assert yaml.safe_load(record.read_text()).get("tags") in (None, [])
    build_and_check(runner, root)
    assert len(list((root / "site" / "papers").glob("*/index.html"))) == papers


# --- the --pin option ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pin", "line"),
    [
        (None, f"{DISTRIBUTION}=={__version__}"),
        ("0.2.0", f"{DISTRIBUTION}==0.2.0"),
        ("==0.2.0", f"{DISTRIBUTION}==0.2.0"),
        (">=0.2, <0.3", f"{DISTRIBUTION}>=0.2,<0.3"),
        ("~=0.2.1rc1", f"{DISTRIBUTION}~=0.2.1rc1"),
        (
            "git+https://github.com/me/litreview@v0.2.0",
            f"{DISTRIBUTION} @ git+https://github.com/me/litreview@v0.2.0",
        ),
        (
            "https://example.org/dl/litreview_site-0.2.0-py3-none-any.whl",
            f"{DISTRIBUTION} @ https://example.org/dl/litreview_site-0.2.0-py3-none-any.whl",
        ),
    ],
)
def test_pin_becomes_a_requirement_line(pin: str | None, line: str, tmp_path: Path) -> None:
    assert requirement_line(pin, tmp_path) == line


def test_pin_of_a_wheel_file(tmp_path: Path) -> None:
    review = tmp_path / "review"
    inside = review / "wheels" / f"litreview_site-{__version__}-py3-none-any.whl"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"")
    outside = tmp_path / inside.name
    outside.write_bytes(b"")
    assert requirement_line("wheels/" + inside.name, review, cwd=review) == f"./wheels/{inside.name}"
    assert requirement_line(str(outside), review) == f"{DISTRIBUTION} @ {outside.as_uri()}"
    assert requirement_line(outside.name, review, cwd=tmp_path) == f"{DISTRIBUTION} @ {outside.as_uri()}"


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("banana", "expected a version"),
        (">=0.2,banana", "expected a version"),
        ("git+nonsense", "a git URL looks like"),
        ("missing/litreview_site-0.1.0-py3-none-any.whl", "there is no wheel file"),
    ],
)
def test_init_refuses_a_pin_it_cannot_read(runner: CliRunner, tmp_path: Path, pin: str, message: str) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "r"), "--pin", pin])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "r" / "mkdocs.yml").exists()  # nothing written


def test_init_says_what_it_pinned(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "r"), "--pin", "0.2.0"])
    assert result.exit_code == 0, result.output
    assert f"requirements.txt pins litreview as: {DISTRIBUTION}==0.2.0" in result.output
    assert (tmp_path / "r" / "requirements.txt").read_text().splitlines()[-1] == f"{DISTRIBUTION}==0.2.0"
