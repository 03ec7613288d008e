"""Which generated pages are as they were written, and from what: so a rebuild renders only the
pages whose inputs changed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from generator.cache import keys
from generator.cache.store import Cache
from generator.render.page_set import PageSet
from generator.render.paper_pages import PaperPageInputs


class PageState:
    """The key each generated page was written from, with the file's size and mtime then, so a
    page whose inputs and file are both unchanged need not be rendered again; and what the paper
    pages were made from (render.PaperPageInputs), saved with them so the two always agree.
    Paths, keys and stats are stored as columns, which load quickly however many pages there are."""

    def __init__(self, cache: Cache, docs_dir: Path) -> None:
        self.cache, self.docs_dir, self.docs = cache, docs_dir, str(docs_dir)
        self.key = keys.PAGE_STATE.key(str(docs_dir))
        stored = cache.get(keys.PAGE_STATE.name, self.key)
        if not (isinstance(stored, tuple) and len(stored) == 4):
            stored = ((), (), np.zeros((0, 2), dtype=np.int64), None)
        self.stored: tuple[tuple[str, ...], tuple[str, ...], np.ndarray, PaperPageInputs | None] = stored
        self.inputs = stored[3]
        self.place = {path: n for n, path in enumerate(stored[0])}
        self.stats = stored[2].tolist()
        self.unchanged: set[str] = set()  # files found as they were written, in this build

    def current_key(self, path: str) -> str | None:
        """The key the file at `path` was written from, if it is still as it was written."""
        n = self.place.get(path)
        if n is None:
            return None
        try:
            stat = os.stat(f"{self.docs}/{path}")
        except OSError:
            return None
        if [stat.st_size, stat.st_mtime_ns] != self.stats[n]:
            return None
        self.unchanged.add(path)
        return self.stored[1][n]

    def is_current(self, path: str, key: str) -> bool:
        n = self.place.get(path)
        return n is not None and self.stored[1][n] == key and self.current_key(path) == key

    def save(self, pages: PageSet) -> None:
        paths = tuple(sorted(pages.keys))
        stats = []
        for path in paths:
            if path in pages.kept and path in self.unchanged:  # not written since it was checked
                stats.append(self.stats[self.place[path]])
                continue
            stat = os.stat(f"{self.docs}/{path}")
            stats.append((stat.st_size, stat.st_mtime_ns))
        page_keys = tuple(pages.keys[path] for path in paths)
        table = np.array(stats, dtype=np.int64).reshape(-1, 2)
        if (
            (paths, page_keys) != self.stored[:2]
            or not np.array_equal(table, self.stored[2])
            or pages.inputs != self.inputs
        ):
            self.cache.put(keys.PAGE_STATE.name, self.key, (paths, page_keys, table, pages.inputs))
