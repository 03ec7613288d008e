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


def check_site(site: Path, base_url: str = "/") -> LinkReport:
    """Resolve every link of every HTML page under `site`.

    `base_url` is where the site is published: a path ("/my-review/" for a project page) or a
    whole URL ("https://me.github.io/my-review/"). Absolute links must lie under it; links to
    its own address (canonical links, the sitemap) are checked as internal ones.
    """
    base_parts = urlsplit(base_url)
    origin = f"{base_parts.scheme}://{base_parts.netloc}" if base_parts.netloc else None
    base_path = base_parts.path or "/"
    report = LinkReport()
    pages = sorted(site.rglob("*.html"))
    parsed: dict[Path, _PageParser] = {}
    for page in pages:
        parser = _PageParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page] = parser
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    for page in pages:
        page_url = _page_url(site, page)
        page_rel = page.relative_to(site).as_posix()
        for url in parsed[page].links:
            parts = urlsplit(url)
            if origin and url.startswith(origin + "/"):
                parts = urlsplit(url[len(origin) :])
            elif parts.scheme in ("http", "https") or url.startswith("//"):
                report.external.add(url)
                continue
            if parts.scheme in ("mailto", "tel", "data"):
                continue
            if parts.scheme:
                report.broken.append(BrokenLink(page_rel, url, f"unsafe or unknown scheme {parts.scheme!r}"))
                continue
            report.internal += 1
            if not parts.path:
                target_file: Path | None = page
            else:
                raw = unquote(parts.path)
                if raw.startswith("/"):
                    if not raw.startswith(base) and raw + "/" != base:
                        report.broken.append(BrokenLink(page_rel, url, f"absolute link outside {base}"))
                        continue
                    raw = "/" + raw[len(base) :]
                else:
                    raw = str(page_url.parent) + "/" + raw
                target_file = _target_file(site, _normalise(raw))
            if target_file is None:
                report.broken.append(BrokenLink(page_rel, url, "no such file in the site"))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target_file.suffix == ".html":
                ids = parsed.get(target_file)
                if ids is not None and fragment not in ids.ids:
                    report.broken.append(
                        BrokenLink(page_rel, url, f"no anchor #{fragment} in the target page")
                    )
    report.pages = len(pages)
    report.broken = sorted(set(report.broken))
    return report
