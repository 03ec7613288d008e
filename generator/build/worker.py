"""The data files (search index, catalog.json, map.json), made by a worker process while this
one renders the pages and MkDocs builds them, and placed in the docs and site folders after."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.processes import die_with_parent
from generator.files import atomic_write_bytes, files_under, holds

log = logging.getLogger("litreview")


@dataclass(frozen=True)
class DataFilesMade:
    """The data files made: the name of every one, and the bytes of those that may differ from
    the copies in the folders the worker compared them with (all of them if it compared none)."""

    names: frozenset[str]
    changed: dict[str, bytes]


def _changed(files: dict[str, bytes], compare: list[Path]) -> DataFilesMade:
    changed = {
        rel: data
        for rel, data in files.items()
        if not compare or not all(holds(d / rel, data) for d in compare)
    }
    return DataFilesMade(frozenset(files), changed)


def _work(receive: Any, send: Any) -> None:
    """In the worker process: wait for what makes the data files, make them and send back those
    that differ from the copies on disk (or the error)."""
    die_with_parent()
    # Below the build's priority: in a full build both cores render pages first, and this work
    # should take only what they leave (it has all of MkDocs' run to finish); in a rebuild one
    # core is idle anyway.
    with contextlib.suppress(OSError):
        os.nice(10)
    # One BLAS/OpenMP thread: the other core runs MkDocs.
    from threadpoolctl import threadpool_limits

    import generator.build.data_files  # noqa: F401  (imported while the build reads the review)

    try:
        task = receive.recv()
        early = None
        if task is not None and task[0] == "early":
            try:
                with threadpool_limits(limits=1):
                    early = task[1]()
            except Exception:  # only a head start: make() does the work without it
                early = None
            task = receive.recv()
        receive.close()
        if task is None:
            return
        _, make, compare = task
        with threadpool_limits(limits=1):
            made = _changed(make(early) if early is not None else make(), compare)
        send.send(("ok", made))
        send.close()
        # Nothing is left to do, and freeing a large review's objects one by one at exit is slow,
        # and the build would wait for it (it joins this process).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    except (BrokenPipeError, EOFError):
        pass  # the build stopped waiting (it was cancelled, or failed)
    except BaseException as exc:  # reported by the parent
        with contextlib.suppress(BrokenPipeError):
            send.send(("error", f"{type(exc).__name__}: {exc}"))


class DataFilesWorker:
    """The data files (search index, catalog, map), made by another process while this one
    renders the pages and MkDocs builds them: MkDocs uses one core, and this work needs none of
    their output. generate starts the process once it knows there is work to do (it starts
    Python and imports litreview meanwhile) and submits the work once the review is enriched;
    build_site collects the files. `make` must be picklable (the process is spawned, not
    forked: a forked child can hang in OpenMP once the parent has used it)."""

    def __init__(
        self, make: Callable[[], dict[str, bytes]] | None = None, compare: list[Path] | None = None
    ) -> None:
        self.make: Callable[[], dict[str, bytes]] | None = None
        self.made: DataFilesMade | None = None
        context = multiprocessing.get_context("spawn")
        self.receive, send = context.Pipe(duplex=False)
        task_receive, self.task_send = context.Pipe(duplex=False)
        self.process: Any = context.Process(target=_work, args=(task_receive, send), daemon=True)
        self.process.start()
        send.close()
        task_receive.close()
        # Tasks are sent by a thread: a task larger than the pipe's buffer (the record digests of
        # a large review) would block the build until the worker reads it, and the
        # worker reads the second task only when it is done with the first.
        self.outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send_tasks, daemon=True)
        self.sender.start()
        if make is not None:
            self.submit(make, compare or [])

    def _send_tasks(self) -> None:
        try:
            while (task := self.outbox.get()) is not None:
                with contextlib.suppress(OSError):  # the worker died: result() does the work here
                    self.task_send.send(task)
        except BaseException as exc:  # a task that cannot be sent (pickled): the worker gets none
            log.warning("the search index and map worker got no work (%s: %s)", type(exc).__name__, exc)
        finally:
            # The worker then reads the end of its input and stops; result() does the work here.
            with contextlib.suppress(OSError):
                self.task_send.close()

    def start(self, early: Callable[[], Any]) -> None:
        """Have the worker begin with `early` (before submit): what it returns is given to the
        `make` that submit sends (make(early_result)), which must accept it."""
        self.outbox.put(("early", early))

    def submit(self, make: Callable[..., dict[str, bytes]], compare: list[Path]) -> None:
        """Have the worker make the files; it sends back those that differ from their copies
        under the `compare` folders."""
        self.make = make
        self.outbox.put(("make", make, compare))
        self.outbox.put(None)

    def result(self) -> DataFilesMade | None:
        if self.make is None:
            self.cancel()
            return None
        if self.made is None:
            try:
                status, value = self.receive.recv()
            except EOFError:
                status, value = "died", None
            self.process.join()
            if status != "ok":
                # The worker was killed (by a signal, or the system's memory killer), or failed
                # (it could not find the review in the cache, say): do its work here instead,
                # where an error in the work itself is raised with its traceback.
                if status == "died":
                    log.warning(
                        "the search index and map worker stopped (exit code %s)", self.process.exitcode
                    )
                else:
                    log.warning("the search index and map worker failed (%s); making them here", value)
                value = _changed(self.make(), [])
            self.made = value
        return self.made

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.outbox.put(None)  # the sender stops (a send to the dead worker fails at once)


def collected(job: DataFilesWorker | None) -> DataFilesMade | None:
    return job.result() if job is not None else None


def place_data_files(
    made: DataFilesMade | None, docs_dir: Path, site_dirs: list[Path], is_data_file: Callable[[str], bool]
) -> None:
    """Make the data files in docs_dir and in each site folder exactly those made: write the
    changed ones (if their bytes differ), remove data files no longer made; None: none to place."""
    if made is None:
        return
    # Data files are data files at the top or in a few folders (search/): look only there, not
    # at every page of a large site.
    folders = sorted({rel.split("/", 1)[0] for rel in made.names if "/" in rel})
    for root in [docs_dir, *site_dirs]:
        present = [e.name for e in os.scandir(root) if e.is_file()] if root.is_dir() else []
        for folder in folders:
            present.extend(f"{folder}/{rel}" for rel in files_under(root / folder))
        for rel in present:
            if is_data_file(rel) and rel not in made.names:
                (root / rel).unlink()
        for rel, data in made.changed.items():
            target = root / rel
            if holds(target, data):
                continue
            atomic_write_bytes(target, data, durable=False)
