"""What a reader downloads and how long they wait for the first search of a built site.

`measure(site_dir, queries)` serves the built site over HTTP on a free local port, opens its search
page in headless Chromium with an empty cache, waits until the page is ready ("Type to search N
papers."), enters the first query and records every request from opening the page to seeing the
results; then enters each later query. It returns (and prints nothing):

- first_search_gzip_bytes: what those requests transfer as GitHub Pages serves them, i.e. the
  gzip -6 size of each file fetched (page HTML, theme and litreview assets, lunr.js, the search
  manifest and index files, term shards and doc chunks), also by kind and by file, and
  first_search_requests, how many requests the page made;
- first_query_ms: from the input event of the first query to its results listed in the page
  (titles and topics), measured in the page with performance.now(); first_filled_ms: to their
  abstract snippets filled in as well (sharded: fetched in doc chunks once the results are known);
- first_search_ms: search.js's own "litreview-search" measure of the same search, and
  first_timeline: when the index files it needed had arrived, when the page asked for the doc
  chunks of the results (so the ranking was done) and when they had arrived;
- later_query_ms (median of the later queries, input to results) and later_bytes (what they
  fetched, gzipped): later queries reuse what the first one loaded.

`standalone_site(review, target, mode)` writes just a search page, its scripts and the search data
of a Review, so the index of a large corpus can be measured without building the whole site.
"""

from __future__ import annotations

import functools
import gzip
import html
import http.server
import shutil
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.model import Review
from generator.project import default_templates_dir
from generator.search.files import search_files

CHROMIUM = "/usr/bin/chromium"
KINDS = (
    ("chunks", "search/docs/"),
    ("shards", "search/terms/"),
    ("tags", "search/tags/"),
    ("index", "search/"),  # manifest, lengths, the single index
    ("lunr", "assets/lunr.js"),
)

# Enter a query as one input event and resolve with the time until the result list shows it.
_TIMED_QUERY = """async (query) => {
  const input = document.querySelector('#lr-query');
  const list = document.querySelector('#lr-results');
  const when = (ready) => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (ready()) { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(list, { attributes: true, childList: true });
  });
  const done = when(() => list.dataset.query === query);
  // A query with results also fills in their snippets; one without has none to wait for.
  const filled = when(() => list.dataset.snippets === query || (list.dataset.query === query
                                                                && !list.querySelector('li')));
  performance.clearMeasures('litreview-search');
  const start = performance.now();
  input.value = query;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const end = await done;
  const complete = await filled;
  const searches = performance.getEntriesByName('litreview-search');
  const fetched = performance.getEntriesByType('resource').filter((e) => e.startTime >= start)
    .map((e) => ({ url: e.name, start: e.startTime - start, end: e.responseEnd - start }));
  return { ms: end - start, filled_ms: complete - start,
           search_ms: searches.length ? searches[searches.length - 1].duration : null,
           status: document.querySelector('#lr-status').textContent, fetched: fetched };
}"""


def _timeline(result: dict[str, Any]) -> dict[str, float | None]:
    """When, after the input event, the query's files were fetched (ms): the index data it
    needed (term shards, or nothing more), then the doc chunks of the results shown."""
    fetched = result["fetched"]
    index = [f["end"] for f in fetched if "/search/" in f["url"] and "/docs/" not in f["url"]]
    chunks = [f for f in fetched if "/search/docs/" in f["url"]]
    return {
        "index_loaded_ms": round(max(index), 1) if index else None,
        "chunks_requested_ms": round(min(f["start"] for f in chunks), 1) if chunks else None,
        "chunks_loaded_ms": round(max(f["end"] for f in chunks), 1) if chunks else None,
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server: a connection per file would be slow
    # Send each response at once, as web servers do (nginx's tcp_nodelay is on by default). Python's
    # server writes the headers and the body separately; with Nagle's algorithm the body then
    # waits for the browser's delayed ACK of the headers, about 40 ms per file on a kept-alive
    # connection, which made every doc chunk of a search look 40 ms slower than it is.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _served(site_dir: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _file_for(site_dir: Path, base: str, url: str) -> Path | None:
    if not url.startswith(base):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site_dir / path
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _kind(rel: str) -> str:
    for kind, prefix in KINDS:
        if rel.startswith(prefix) and (kind != "index" or rel.endswith(".json")):
            return kind
    return "page" if rel.endswith(".html") else "assets"


def _gzipped(site_dir: Path, base: str, urls: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for url in dict.fromkeys(urls):
        path = _file_for(site_dir, base, url)
        if path is not None:
            sizes[path.relative_to(site_dir).as_posix()] = len(gzip.compress(path.read_bytes(), 6))
    return sizes


def measure(
    site_dir: Path, queries: list[str], *, chromium: str = CHROMIUM, repeats: int = 5
) -> dict[str, Any]:
    """Bytes and latency of the first search (and of later ones) on the built site in site_dir;
    the first search is made `repeats` times, each in a fresh browser context, and its times
    are their medians (the figures of one run vary by tens of ms)."""
    if not queries or repeats < 1:
        raise ValueError("measure needs at least one query and one repeat")
    from playwright.sync_api import sync_playwright

    site_dir = Path(site_dir)
    with _served(site_dir) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            firsts = []
            for _ in range(repeats):  # each in a new context: an empty cache, as a first visit
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                requested: list[str] = []
                page.on("request", lambda request, into=requested: into.append(request.url))
                page.goto(base + "search/")
                page.wait_for_function(
                    "() => /^Type to search/.test(document.querySelector('#lr-status').textContent)"
                )
                firsts.append(page.evaluate(_TIMED_QUERY, queries[0]))
                page.wait_for_load_state("networkidle")  # a result page's chunks may still be arriving
                first_urls = list(requested)
                if len(firsts) < repeats:
                    context.close()
            later = []
            for query in queries[1:]:
                later.append(page.evaluate(_TIMED_QUERY, query))
            page.wait_for_load_state("networkidle")
            later_urls = requested[len(first_urls) :]
        finally:
            browser.close()
    first = firsts[-1]
    files = _gzipped(site_dir, base, first_urls)
    by_kind: dict[str, int] = {}
    for rel, size in files.items():
        by_kind[_kind(rel)] = by_kind.get(_kind(rel), 0) + size
    later_files = {
        rel: size for rel, size in _gzipped(site_dir, base, later_urls).items() if rel not in files
    }
    return {
        "first_search_gzip_bytes": sum(files.values()),
        "first_search_requests": len(first_urls),
        "first_search_files": len(files),
        "first_search_by_kind": dict(sorted(by_kind.items())),
        "first_search_gzipped": dict(sorted(files.items())),
        "first_query_ms": round(statistics.median(f["ms"] for f in firsts), 1),
        "first_filled_ms": round(statistics.median(f["filled_ms"] for f in firsts), 1),
        "first_query_runs_ms": [round(f["ms"], 1) for f in firsts],
        "first_search_ms": None if first["search_ms"] is None else round(first["search_ms"], 1),
        "first_status": first["status"],
        "first_timeline": _timeline(first),
        "later_query_ms": round(statistics.median(q["ms"] for q in later), 1) if later else None,
        "later_filled_ms": round(statistics.median(q["filled_ms"] for q in later), 1) if later else None,
        "later_search_ms": (
            round(statistics.median(q["search_ms"] for q in later), 1)
            if later and all(q["search_ms"] is not None for q in later)
            else None
        ),
        "later_bytes": sum(later_files.values()),
        "later_files": len(later_files),
    }


# Check a filter's checkbox (a choice of a field, a topic) as one click, and resolve with the time
# until the filtered results are listed (search.js marks each search it lists on #lr-search).
_TIMED_FACET = """async (selector) => {
  const root = document.querySelector('#lr-search');
  const before = root.dataset.searched;
  const listed = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (root.dataset.searched !== before) { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(root, { attributes: true });
  });
  document.querySelector('#lr-filters').open = true;
  const box = document.querySelector(selector);
  if (!box) throw new Error('no filter ' + selector);
  const start = performance.now();
  box.click();
  const end = await listed;
  return { ms: end - start, status: document.querySelector('#lr-status').textContent };
}"""


def measure_facets(
    site_dir: Path, query: str, facet: str, *, chromium: str = CHROMIUM, repeats: int = 5
) -> dict[str, Any]:
    """The first filtered search of a first visit: open the search page, check the filter
    `facet` (a CSS selector of its checkbox), then type `query` with the filter on. Returns the
    bytes of every request from opening the page to the query's results (gzipped, as in
    `measure`) and the medians over `repeats` fresh visits of the click's and the query's time to
    results listed (the click's includes fetching search/facets.json)."""
    from playwright.sync_api import sync_playwright

    site_dir = Path(site_dir)
    with _served(site_dir) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            clicks, queries, urls = [], [], []
            for _ in range(repeats):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                requested: list[str] = []
                page.on("request", lambda request, into=requested: into.append(request.url))
                page.goto(base + "search/")
                page.wait_for_function(
                    "() => /^Type to search/.test(document.querySelector('#lr-status').textContent)"
                )
                clicks.append(page.evaluate(_TIMED_FACET, facet))
                queries.append(page.evaluate(_TIMED_QUERY, query))
                page.wait_for_load_state("networkidle")
                urls = list(requested)
                context.close()
        finally:
            browser.close()
    files = _gzipped(site_dir, base, urls)
    return {
        "facet": facet,
        "query": query,
        "gzip_bytes": sum(files.values()),
        "requests": len(urls),
        "facets_json_gzip_bytes": files.get("search/facets.json", 0),
        "click_ms": round(statistics.median(c["ms"] for c in clicks), 1),
        "click_runs_ms": [round(c["ms"], 1) for c in clicks],
        "query_ms": round(statistics.median(q["ms"] for q in queries), 1),
        "query_runs_ms": [round(q["ms"], 1) for q in queries],
        "status": queries[-1]["status"],
    }


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="../assets/litreview.css"></head>
<body><main>
<div id="lr-search" class="lr-search" data-root="../" data-manifest="manifest.json"
 data-lunr="../assets/lunr.js">
<form class="lr-search-form" role="search">
<label for="lr-query" class="lr-visually-hidden">Search words</label>
<input id="lr-query" type="search" autocomplete="off" spellcheck="false">
<label for="lr-tag" class="lr-visually-hidden">Topic</label>
<select id="lr-tag"><option value="">All topics</option>{options}
<option value="" id="lr-tag-several" hidden disabled>Several topics</option></select>
<label for="lr-sort" class="lr-visually-hidden">Order</label>
<select id="lr-sort"><option value="relevance">Best match first</option>
<option value="newest">Newest first</option><option value="oldest">Oldest first</option></select>
</form>
<details id="lr-filters" class="lr-filters"><summary>Filters</summary>
<div id="lr-filter-grid" class="lr-filter-grid"></div></details>
<p id="lr-active" class="lr-active-filters" hidden></p>
<p id="lr-status" class="lr-status" aria-live="polite">Loading the index…</p>
<ol id="lr-results" class="lr-results"></ol>
<button id="lr-more" class="lr-more" type="button" hidden>Show more</button>
</div></main>
<script src="../assets/page.js"></script><script src="../assets/search/single.js"></script>
<script src="../assets/search/sharded.js"></script><script src="../assets/search/facets.js"></script>
<script src="../assets/search.js"></script>
</body></html>
"""


def standalone_site(review: Review, target: Path, mode: str = "auto") -> dict[str, bytes]:
    """A minimal site in `target`: the search page, its scripts and `review`'s search data (no
    paper pages). Returns the search files written, by path."""
    if target.exists():
        shutil.rmtree(target)
    files = search_files(review, mode)
    assets = default_templates_dir() / "assets"
    scripts = ("page.js", "search.js", "search/single.js", "search/sharded.js", "search/facets.js")
    for name in (*scripts, "litreview.css"):
        files[f"assets/{name}"] = (assets / name).read_bytes()
    options = "".join(
        f'<option value="{tag.id}">{html.escape(tag.label)}</option>' for tag in review.taxonomy.tags.values()
    )
    files["search/index.html"] = _PAGE.format(options=options).encode("utf-8")
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files
