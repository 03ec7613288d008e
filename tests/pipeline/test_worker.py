"""The data files worker: the review loaded from the cache, and the build doing the work itself
when the worker cannot."""

from __future__ import annotations

import pytest

from generator.build.data_files import SearchIndexTask
from generator.build.pipeline import Options, generate
from generator.config import Settings
from generator.errors import LitreviewError, ProblemLog
from generator.project import Project


def test_the_worker_loads_the_review_from_the_cache_or_the_build_makes_the_files_itself(
    review: Project,
) -> None:
    import pickle
    from dataclasses import replace

    from generator.build.worker import DataFilesWorker

    report = generate(review, ProblemLog(review.root), Settings.of(review), Options(worker=True))
    assert report.worker is not None
    report.worker.cancel()
    make = report.worker.make
    sent = pickle.loads(pickle.dumps(make))
    assert sent.review is None and sent.cached is not None  # the review itself is not sent
    expected = make()
    assert sent() == expected
    # A review the worker cannot find (a stale key): the build makes the files itself.
    lost = replace(make, cached=replace(make.cached, choices_key="0" * 40))
    with pytest.raises(LitreviewError):
        pickle.loads(pickle.dumps(lost))()
    made = DataFilesWorker(lost).result()
    assert made is not None and made.changed == expected and made.names == set(expected)

    # The head start (papers and search index, made before the review is related) gives the
    # same files; one made for other papers or another taxonomy is not used.
    cached = sent.cached
    early = SearchIndexTask(sent.cache_dir, cached.papers_key, cached.digests, cached.taxonomy, "auto")
    early = pickle.loads(pickle.dumps(early))()
    assert early.serves(cached, sent.search_mode) and early.search
    assert sent(early) == expected
    other = replace(early, digests=cached.digests[1:], papers=early.papers[1:])
    assert not other.serves(cached, sent.search_mode) and sent(other) == expected
    retagged = replace(early, taxonomy=replace(cached.taxonomy, tags={}), search={"search/x": b""})
    assert not retagged.serves(cached, sent.search_mode) and sent(retagged) == expected


def test_a_task_the_worker_cannot_be_sent_is_done_by_the_build(caplog: pytest.LogCaptureFixture) -> None:
    """Tasks are pickled and sent by a thread: one that cannot be pickled (a lambda) leaves the
    worker without work, and the build makes the files itself instead of waiting forever."""
    from generator.build.worker import DataFilesWorker

    job = DataFilesWorker()
    job.start(lambda: None)  # the head start cannot be sent either
    job.submit(lambda: {"catalog.json": b"{}"}, [])
    made = job.result()
    assert made is not None and made.changed == {"catalog.json": b"{}"}
    assert "got no work" in caplog.text
    job.cancel()
