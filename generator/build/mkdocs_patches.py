"""Every MkDocs attribute litreview replaces while MkDocs builds, each checked when this module is
imported: a renamed MkDocs internal fails here, loudly, instead of silently turning off staged
writes, split builds or narrowed dirty builds.

What the replacements are for: staged writes (site.py: a failed build leaves site/ as it was),
split builds (parallel.py: paper pages dealt out to one process per core) and narrowed dirty
builds (parallel.py: a rebuild is given only the paper pages it needs).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import mkdocs
import mkdocs.commands.build as mkdocs_build_module
import mkdocs.structure.files as mkdocs_files_module
import mkdocs.utils as mkdocs_utils


@dataclass(frozen=True)
class Target:
    """An attribute of MkDocs that litreview replaces. `global_name`: not an attribute MkDocs
    defines but a global its functions look up (a builtin, or a module it imported), which a
    replacement shadows or swaps."""

    owner: Any
    name: str
    global_name: bool = False

    def problem(self) -> str | None:
        where = f"{getattr(self.owner, '__name__', self.owner)}.{self.name}"
        if not self.global_name:
            return None if callable(getattr(self.owner, self.name, None)) else f"{where} is gone"
        return None if self.name in _global_names(self.owner) else f"{where} is no longer used by that module"


def _global_names(module: Any) -> set[str]:
    """The global names the functions and methods defined in `module` look up."""
    names: set[str] = set()
    codes = []
    for value in vars(module).values():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        members = vars(value).values() if isinstance(value, type) else [value]
        codes += [getattr(getattr(m, "fget", m), "__code__", None) for m in members]
    while codes:
        code = codes.pop()
        if code is not None:
            names.update(code.co_names)
            codes += [c for c in code.co_consts if hasattr(c, "co_names")]
    return names


TARGETS: Mapping[str, Target] = {
    # Staged writes: every file MkDocs writes goes to a staging folder.
    "write_file": Target(mkdocs_utils, "write_file"),
    "copy_file": Target(mkdocs_utils, "copy_file"),
    "build_open": Target(mkdocs_build_module, "open", global_name=True),
    "files_open": Target(mkdocs_files_module, "open", global_name=True),
    # Dirty builds: which files count as changed.
    "is_modified": Target(mkdocs_files_module.File, "is_modified"),
    # Split builds: which pages and templates this process builds.
    "build_page": Target(mkdocs_build_module, "_build_page"),
    "build_theme_template": Target(mkdocs_build_module, "_build_theme_template"),
    "build_extra_template": Target(mkdocs_build_module, "_build_extra_template"),
    # Narrowed dirty builds: which files MkDocs lists.
    "get_files": Target(mkdocs_build_module, "get_files"),
    "files_os": Target(mkdocs_files_module, "os", global_name=True),
    "add_files_from_theme": Target(mkdocs_files_module.Files, "add_files_from_theme"),
}


def _check_targets() -> None:
    problems = [p for p in (t.problem() for t in TARGETS.values()) if p]
    if problems:
        raise ImportError(
            f"litreview does not know this MkDocs ({mkdocs.__version__}): {'; '.join(problems)}. "
            "Install the MkDocs version litreview asks for (pip install -e . or its wheel)."
        )


_check_targets()


def original(name: str) -> Any:
    """What MkDocs has now under a target's name (before litreview's replacement)."""
    target = TARGETS[name]
    if target.global_name:
        return target.owner.__dict__.get(target.name)
    return getattr(target.owner, target.name)


class DropDirtyWarning(logging.Filter):
    # MkDocs warns that dirty builds may leave the navigation stale. litreview makes them only
    # when every page the navigation shows is read, and strict mode would fail on the warning.
    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


@contextlib.contextmanager
def patched(replacements: Mapping[str, Any]) -> Iterator[None]:
    """MkDocs with the targets named replaced, and without its warning about dirty builds; all
    undone afterwards (a global the module did not have is removed again)."""
    chosen = [(TARGETS[name], value) for name, value in replacements.items()]
    saved = [(t.owner, t.name, t.owner.__dict__.get(t.name)) for t, _ in chosen]
    for target, value in chosen:
        setattr(target.owner, target.name, value)
    dirty_filter = DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(dirty_filter)
    try:
        yield
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(dirty_filter)
        for owner, name, value in saved:
            if value is None:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


__all__ = ["TARGETS", "DropDirtyWarning", "original", "os", "patched"]
