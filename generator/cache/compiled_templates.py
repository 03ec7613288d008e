"""Compiled Jinja templates kept between builds (Jinja's bytecode cache), checked, never trusted.

Jinja's own entries say which template source and Python version they were compiled from; what
the environment fixes at compile time (its options, filters taking a context) is not in them, so
each environment's entries live in a folder named by Jinja's version and a digest of what made
that environment (`compiled_templates_dir`). Each entry carries a CRC-32 of its bytes as well:
an entry that is damaged, truncated or unreadable is compiled again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from generator.cache.store import content_key, sign, verified


def compiled_templates_dir(cache_dir: Path, *made_by: str | bytes) -> Path:
    """The folder of one environment's compiled templates: by Jinja's version and `made_by`
    (what configures the environment: a version, the code that makes it)."""
    return cache_dir / f"jinja-{jinja2.__version__}" / content_key(made_by)[:16]


class CheckedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, each entry behind this machine's MAC of its
    bytes (cache.store.sign): compiled templates are code, so an entry not made here (committed,
    restored from elsewhere) or damaged is compiled again, never run."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._get_cache_filename(bucket), "rb") as handle:
                raw = handle.read()
        except OSError:
            return
        data = verified(raw)
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        name = self._get_cache_filename(bucket)
        fd, temporary = tempfile.mkstemp(
            prefix=os.path.basename(name), suffix=".tmp", dir=os.path.dirname(name)
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(sign(data))
            os.replace(temporary, name)
        except OSError:  # a cache entry not written is compiled again next time
            with contextlib.suppress(OSError):
                os.remove(temporary)


def checked_cache(directory: Path) -> CheckedBytecodeCache:
    directory.mkdir(parents=True, exist_ok=True)
    return CheckedBytecodeCache(str(directory))
