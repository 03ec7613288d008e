"""Process plumbing shared by the build's stages: the garbage collector and child processes."""

from __future__ import annotations

import contextlib
import gc
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """For loading what lives as long as the build and holds no reference cycles (the papers
    and related lists of a review, unpickled): the cyclic garbage collector is paused meanwhile,
    and then stops looking at them (gc.freeze; freed objects are still freed), instead of walking
    the growing heap again and again. The caller lets the collector see everything again
    (gc.unfreeze) when the build is done with it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """While MkDocs runs, the garbage collector leaves alone the objects that exist already (a
    large review's, walked at every full collection otherwise)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def die_with_parent() -> None:
    """Linux: be killed when the parent dies (a killed build leaves no worker behind)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
