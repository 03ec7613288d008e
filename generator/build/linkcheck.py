"""Check a built site: every internal link, anchor and asset must resolve; external links are
listed, never fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# The search page names its manifest and lunr.js in data attributes; they must resolve too.
DATA_LINK_ATTRIBUTES = ("data-manifest", "data-index", "data-lunr", "data-root", "data-src")
LINK_ATTRIBUTES = {
    "a": "href",
    "link": "href",
    "script": "src",
    "img": "src",
    "source": "src",
    "iframe": "src",
}


@dataclass(frozen=True, order=True)
class BrokenLink:
    page: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.url}: {self.reason}"


@dataclass
class LinkReport:
    """What check_site found: the pages read, the internal links checked, the broken ones, and the
    external addresses (listed, not fetched)."""

    pages: int = 0
    internal: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    external: set[str] = field(default_factory=set)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.add(str(values[key]))
        for data_attribute in DATA_LINK_ATTRIBUTES:
            if values.get(data_attribute):
                self.links.append(str(values[data_attribute]))
        attribute = LINK_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute) is not None:
            if tag == "link" and values.get("rel") in ("preconnect", "dns-prefetch"):
                return
            self.links.append(str(values[attribute]))


def _page_url(site: Path, page: Path) -> PurePosixPath:
    return PurePosixPath("/") / page.relative_to(site).as_posix()


def _target_file(site: Path, path: PurePosixPath) -> Path | None:
    candidate = site / str(path).lstrip("/")
    if str(path).endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _normalise(path: str) -> PurePosixPath:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    text = "/" + "/".join(parts)
    return PurePosixPath(text + ("/" if path.endswith("/") and parts else ""))


@dataclass(frozen=True)
class _Site:
    """A built site and where it is published, for resolving its links."""

    root: Path
    base: str  # the published path, "/" or "/my-review/"
    origin: str | None  # "https://me.github.io" when the address is a whole URL
    parsed: dict[Path, _PageParser]

    def target(self, page: Path, path: str) -> Path | str | None:
        """The file a link's path names (the page itself when empty), or why it is broken."""
        if not path:
            return page
        raw = unquote(path)
        if raw.startswith("/"):
            if not raw.startswith(self.base) and raw + "/" != self.base:
                return f"absolute link outside {self.base}"
            raw = "/" + raw[len(self.base) :]
        else:
            raw = str(_page_url(self.root, page).parent) + "/" + raw
        return _target_file(self.root, _normalise(raw))

    def problem(self, page: Path, url: str, report: LinkReport) -> str | None:
        """Why the link `url` of `page` is broken; None when it resolves (or is external)."""
        parts = urlsplit(url)
        if self.origin and url.startswith(self.origin + "/"):
            parts = urlsplit(url[len(self.origin) :])
        elif parts.scheme in ("http", "https") or url.startswith("//"):
            report.external.add(url)
            return None
        if parts.scheme in ("mailto", "tel", "data"):
            return None
        if parts.scheme:
            return f"unsafe or unknown scheme {parts.scheme!r}"
        report.internal += 1
        target = self.target(page, parts.path)
        if target is None:
            return "no such file in the site"
        if isinstance(target, str):
            return target
        fragment = unquote(parts.fragment)
        ids = self.parsed.get(target) if fragment and target.suffix == ".html" else None
        if ids is not None and fragment not in ids.ids:
            return f"no anchor #{fragment} in the target page"
        return None


def check_site(site: Path, base_url: str = "/") -> LinkReport:
    """Resolve every link of every HTML page under `site`.

    `base_url` is where the site is published: a path ("/my-review/" for a project page) or a
    whole URL ("https://me.github.io/my-review/"). Absolute links must lie under it; links to
    its own address (canonical links, the sitemap) are checked as internal ones.
    """
    base_parts = urlsplit(base_url)
    origin = f"{base_parts.scheme}://{base_parts.netloc}" if base_parts.netloc else None
    base_path = base_parts.path or "/"
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    report = LinkReport()
    pages = sorted(site.rglob("*.html"))
    parsed: dict[Path, _PageParser] = {}
    for page in pages:
        parser = _PageParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page] = parser
    checked = _Site(site, base, origin, parsed)
    for page in pages:
        page_rel = page.relative_to(site).as_posix()
        for url in parsed[page].links:
            reason = checked.problem(page, url, report)
            if reason is not None:
                report.broken.append(BrokenLink(page_rel, url, reason))
    report.pages = len(pages)
    report.broken = sorted(set(report.broken))
    return report
