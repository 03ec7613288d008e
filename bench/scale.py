"""Benchmark: fresh reviews of the first N papers of the shared arXiv corpus, built at scale.

    .venv/bin/python -m bench.scale                      # 1,000, 5,000 and 20,000 papers
    .venv/bin/python -m bench.scale --sizes 75000 --runs 1 --no-search-probe

For each size it creates a review (`litreview init`, a topic per arXiv category, the slice as
one JSON Lines source), then measures, each in a fresh process:
- import: reading the source and writing one record per paper;
- full build: generate + MkDocs from a cold state (no cache, no site), per phase with peak memory;
- `mkdocs build` alone on the same generated pages, so the overhead is a ratio from the same run;
- rebuild with nothing changed, and rebuild after editing one paper's tags (medians of --runs);
- the site's size, and (with Chromium) the bytes a first search downloads and its latency.
75,000 papers take about 50 minutes and 5 GB of memory (measured: full build 18 minutes); run
that size on its own, as above.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, arxiv_slice, primary_category, run_python

# Names for the commonest categories; others are labelled by their code.
CATEGORY_NAMES = {
    "cs.CV": "Computer vision",
    "cs.CL": "Computation and language",
    "cs.AI": "Artificial intelligence",
    "cs.LG": "Machine learning",
    "eess.IV": "Image and video processing",
    "cs.RO": "Robotics",
    "cs.GR": "Graphics",
    "cs.HC": "Human-computer interaction",
    "cs.IR": "Information retrieval",
    "eess.AS": "Audio and speech processing",
    "cs.SD": "Sound",
    "cs.CY": "Computers and society",
    "cs.MM": "Multimedia",
    "cs.CR": "Cryptography and security",
    "stat.ML": "Machine learning (statistics)",
    "cs.MA": "Multiagent systems",
    "cs.SY": "Systems and control",
    "cs.SE": "Software engineering",
    "eess.SP": "Signal processing",
    "cs.NE": "Neural and evolutionary computing",
}
MIN_SHARE = 0.002  # a category becomes a topic when this share of the papers has it
QUERIES = ["diffusion", "vision language model", "reinforcement learning from human feedback", "gauss"]
# The faceted first search: the primary category cs.CV checked, then the first query typed.
FACET = 'input[name="f.category"][value="cs.CV"]'


def write_review(root: Path, rows: list[dict[str, Any]]) -> None:
    """A fresh review of `rows`: scaffold, one topic per common category, the JSONL source."""
    subprocess.run(
        [sys.executable, "-m", "generator", "init", str(root), "--title", f"arXiv, {len(rows)} papers"],
        check=True,
        capture_output=True,
    )
    counts: dict[str, int] = {}
    for row in rows:
        for category in row.get("categories") or []:
            counts[category] = counts.get(category, 0) + 1
    common = sorted(
        c for c, n in counts.items() if n >= MIN_SHARE * len(rows) and re.fullmatch(r"[a-z-]+\.[A-Za-z-]+", c)
    )
    groups = sorted({c.split(".")[0] for c in common})
    lines = ["groups:"]
    for group in groups:
        lines += [f"  {group}:", f"    label: {json.dumps(group)}"]
    lines.append("tags:")
    for category in common:
        tag = category.lower().replace(".", "-")
        label = f"{CATEGORY_NAMES.get(category, category)} ({category})"
        lines += [
            f"  {tag}:",
            f"    label: {json.dumps(label)}",
            f"    group: {category.split('.')[0]}",
            f"    aliases: [{json.dumps(category)}]",
        ]
    (root / "content" / "tags.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Gzipped, as the corpus comes: 75,000 papers are 118 MB of JSON, over the 50 MB a source may be.
    with gzip.GzipFile(root / "content" / "sources" / "arxiv.jsonl.gz", "wb", mtime=0) as handle:
        for row in rows:
            handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def write_fields(root: Path, rows: list[dict[str, Any]]) -> None:
    """Three declared fields of the review (content/fields.yaml): the primary category as a
    choice, the year and the author count, and a matrix of category by year."""
    choices = sorted({primary_category(row) for row in rows if primary_category(row)})
    lines = [
        "fields:",
        "  category:",
        "    label: Primary category",
        "    type: choice",
        f"    choices: {json.dumps(choices)}",
        "  year:",
        "    label: Year",
        "    type: year",
        "  authors:",
        "    label: Authors",
        "    type: integer",
        "matrices:",
        "  category-by-year:",
        "    label: Primary category by year",
        "    rows: {field: category}",
        "    columns: {field: year}",
    ]
    (root / "content" / "fields.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def field_values(row: dict[str, Any]) -> dict[str, Any]:
    """The paper's values, made from the corpus alone: its primary category, the year of its arXiv
    id (YYMM.NNNNN) and its number of authors."""
    values: dict[str, Any] = {}
    if primary_category(row):
        values["category"] = primary_category(row)
    found = re.match(r"(\d{2})(\d{2})\.\d+", str(row.get("id") or ""))
    if found:
        values["year"] = 2000 + int(found.group(1))
    if row.get("authors"):
        values["authors"] = len(row["authors"])
    return values


def fill_fields(root: Path, rows: list[dict[str, Any]]) -> int:
    """Append each imported record's values (`fields:`, found by its arXiv id) to its record, as
    text: the records are the ones import wrote, and a round trip of 20,000 of them through
    ruamel.yaml would take minutes. Returns how many records got values."""
    by_id = {str(row.get("id")): field_values(row) for row in rows}
    filled = 0
    for path in (root / "content" / "papers").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        found = re.search(r"^arxiv_id: '?([^'\n]+)'?$", text, re.MULTILINE)
        values = by_id.get(found.group(1)) if found else None
        if not values:
            continue
        block = "fields:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in values.items())
        path.write_text(text + block, encoding="utf-8")
        filled += 1
    return filled


def edit_one_field(root: Path, run: int) -> None:
    """Change one paper's primary category to cs.RO (and back on alternate runs), as a person would."""
    records = sorted((root / "content" / "papers").glob("*.yaml"))
    path = records[len(records) // 3 + 1]
    text = path.read_text(encoding="utf-8")
    found = re.search(r'^  category: "([^"]+)"(?:  # was (\S+))?$', text, re.MULTILINE)
    assert found, f"{path} has no category"
    if found.group(2):  # edited by the run before: back to the value it had
        line = f'  category: "{found.group(2)}"'
    else:
        other = "cs.RO" if found.group(1) != "cs.RO" else "cs.CV"
        line = f'  category: "{other}"  # was {found.group(1)}'
    path.write_text(text.replace(found.group(0), line), encoding="utf-8")


def step(name: str, root: Path, *extra: str) -> dict[str, Any]:
    out = run_python(["-m", "bench.scale_step", name, str(root), *extra], REPO, f"step {name} on {root}")
    return json.loads(out.strip().splitlines()[-1])


def edit_one_tag(root: Path, run: int) -> None:
    """Add (or on alternate runs remove) a second topic on one paper, as a person would."""
    records = sorted((root / "content" / "papers").glob("*.yaml"))
    path = records[len(records) // 3]
    text = path.read_text(encoding="utf-8")
    marker = "- cs-ro\n"
    added = text.replace("tags:\n", "tags:\n" + marker, 1)
    text = text.replace(marker, "", 1) if marker in text else added
    path.write_text(text, encoding="utf-8")


def tree_bytes(path: Path) -> tuple[int, int]:
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(dirpath, name))
            files += 1
    return total, files


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(
    size: int, workdir: Path, runs: int, probe: bool, fields: bool = True, mkdocs_alone: bool = True
) -> dict[str, Any]:
    root = workdir / f"review-{size}"
    rows = arxiv_slice(size)
    write_review(root, rows)
    result: dict[str, Any] = {"papers": size}
    result["import"] = step("import", root)
    if fields:
        write_fields(root, rows)
        result["filled"] = fill_fields(root, rows)
    result["build"] = step("build", root)
    if mkdocs_alone:
        alone_dir = workdir / f"alone-{size}"
        result["mkdocs_alone"] = step("mkdocs-alone", root, str(alone_dir))
        shutil.rmtree(alone_dir, ignore_errors=True)
    result["site_bytes"], result["site_files"] = tree_bytes(root / "site")
    result["unchanged"] = [step("build", root) for _ in range(runs)]
    edits = []
    for run in range(runs):
        edit_one_tag(root, run)
        edits.append(step("build", root))
    result["tag_edit"] = edits
    if fields:
        field_edits = []
        for run in range(runs):
            edit_one_field(root, run)
            field_edits.append(step("build", root))
        result["field_edit"] = field_edits
    if probe:
        from bench.search_probe import measure as probe_search
        from bench.search_probe import measure_facets

        result["search"] = probe_search(root / "site", QUERIES)
        if fields:
            result["faceted_search"] = measure_facets(root / "site", QUERIES[0], FACET)
    shutil.rmtree(root, ignore_errors=True)
    return result


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def report(result: dict[str, Any]) -> None:
    build = result["build"]
    alone = result.get("mkdocs_alone", {"seconds": float("nan"), "peak_bytes": float("nan")})
    print(f"\n## {result['papers']:,} papers")
    print(f"{'phase':<22}{'wall s':>10}{'peak MB':>10}")
    imp = result["import"]
    print(f"{'import (own process)':<22}{imp['seconds']:>10.1f}{imp['peak_bytes'] / 1e6:>10.0f}")
    for phase in build["phases"]:
        print(f"{phase['phase']:<22}{phase['seconds']:>10.1f}{phase['peak_bytes'] / 1e6:>10.0f}")
    print(f"{'full build':<22}{build['seconds']:>10.1f}{build['peak_bytes'] / 1e6:>10.0f}")
    print(f"{'mkdocs build alone':<22}{alone['seconds']:>10.1f}{alone['peak_bytes'] / 1e6:>10.0f}")
    print(f"ratio full build / mkdocs alone: {build['seconds'] / alone['seconds']:.2f}")
    unchanged = [r["seconds"] for r in result["unchanged"]]
    edited = [r["seconds"] for r in result["tag_edit"]]
    print(
        f"rebuild, nothing changed: median {median(unchanged):.2f} s of {len(unchanged)} "
        f"(MkDocs: {', '.join(sorted({r['mkdocs'] for r in result['unchanged']}))})"
    )
    print(
        f"rebuild after one tag edit: median {median(edited):.2f} s of {len(edited)} "
        f"({median([r['written'] for r in result['tag_edit']]):.0f} files rewritten, "
        f"{median([r['pages_built'] for r in result['tag_edit']]):.0f} pages rebuilt by MkDocs)"
    )
    if "field_edit" in result:
        fields = [r["seconds"] for r in result["field_edit"]]
        print(
            f"rebuild after one field edit: median {median(fields):.2f} s of {len(fields)} "
            f"({median([r['written'] for r in result['field_edit']]):.0f} files rewritten, "
            f"{median([r['pages_built'] for r in result['field_edit']]):.0f} pages rebuilt by MkDocs); "
            f"{result['filled']:,} records with values"
        )
    print(f"site: {_mb(result['site_bytes'])} in {result['site_files']:,} files")
    if "search" in result:
        search = result["search"]
        print(
            f"first search: {search['first_search_gzip_bytes'] / 1e6:.2f} MB gzipped in "
            f"{search['first_search_requests']} requests; "
            f"results listed after {search['first_query_ms']:.0f} ms, "
            f"snippets after {search['first_filled_ms']:.0f} ms (medians of "
            f"{len(search['first_query_runs_ms'])} first visits); later queries median "
            f"{search['later_query_ms']:.0f} ms, {search['later_filled_ms']:.0f} ms"
        )


def report_facets(result: dict[str, Any]) -> None:
    if "faceted_search" not in result:
        return
    faceted = result["faceted_search"]
    print(
        f"faceted first search ({faceted['facet']}, then {faceted['query']!r}): "
        f"{faceted['gzip_bytes'] / 1e6:.2f} MB gzipped in {faceted['requests']} requests "
        f"(facets.json {faceted['facets_json_gzip_bytes'] / 1e3:.0f} KB); the filter's results listed "
        f"after {faceted['click_ms']:.0f} ms, the query's after {faceted['query_ms']:.0f} ms (medians "
        f"of {len(faceted['click_runs_ms'])} first visits)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=3, help="runs of each rebuild (median shown)")
    parser.add_argument("--no-search-probe", action="store_true", help="skip the Chromium search probe")
    parser.add_argument("--no-fields", action="store_true", help="no declared fields (as before issue #22)")
    parser.add_argument("--no-mkdocs-alone", action="store_true", help="skip `mkdocs build` alone")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temporary folder)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for size in args.sizes:
            probe, fields, alone = not args.no_search_probe, not args.no_fields, not args.no_mkdocs_alone
            result = measure(size, Path(tmp), args.runs, probe, fields, alone)
            report(result)
            report_facets(result)
            results.append(result)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
