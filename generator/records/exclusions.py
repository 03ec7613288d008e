"""Papers excluded from the review for good: `status: excluded` in their record.

The record stays, so that import still recognises the paper in every source and never brings
it back; the review (and so the site: pages, search, catalog, feeds, bibliographies) leaves it
out. The reason and the day are kept in the record:

    status: excluded
    excluded:
      reason: not about language models
      date: '2025-03-14'

A systematic review (one with content/review.yaml, records/screening.py) also says at which
stage of its flow a record left, and gives the reason as the id of a declared reason:

    status: excluded
    excluded:
      stage: full-text        # identification, title-abstract, retrieval or full-text
      reason: wrong-outcome   # an id under reasons: in content/review.yaml
      date: '2025-03-14'

A record still waiting for a decision says so: `status: awaiting-screening` (its title and
abstract are not screened yet) or `status: awaiting-full-text` (it passed title and abstract
screening; its full text is not assessed yet). Such a record is kept off the site like an
excluded one. A record without `status` is included.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from generator.errors import ProblemLog
from generator.model import Screening, SourceRef
from generator.records.yamlio import update_in_place

STATUS_EXCLUDED = "excluded"
STATUS_INCLUDED = "included"
AWAITING_SCREENING = "awaiting-screening"
AWAITING_FULL_TEXT = "awaiting-full-text"
AWAITING = (AWAITING_SCREENING, AWAITING_FULL_TEXT)
STATUSES = (STATUS_INCLUDED, STATUS_EXCLUDED, *AWAITING)
EXCLUDED_KEYS = ("stage", "reason", "date")
# The stages of a systematic review's flow (PRISMA 2020) a record can leave it at, in order.
STAGES = ("identification", "title-abstract", "retrieval", "full-text")


class _Excluded(Protocol):
    @property
    def path(self) -> Path: ...

    @property
    def lines(self) -> Any: ...

    @property
    def paper(self) -> Any: ...


def is_excluded(data: dict[str, Any]) -> bool:
    """Whether the record is kept off the site: excluded, or still awaiting a screening decision."""
    return data.get("status") == STATUS_EXCLUDED or data.get("status") in AWAITING


def _text(value: Any) -> str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if isinstance(value, str) else None


def screening_of(data: dict[str, Any]) -> Screening | None:
    """The screening state a record's data gives; None for an included record."""
    status = data.get("status")
    if status not in (STATUS_EXCLUDED, *AWAITING):
        return None
    details = data.get("excluded") if status == STATUS_EXCLUDED else None
    details = details if isinstance(details, dict) else {}
    stage = details.get("stage")
    return Screening(
        status=status,
        stage=stage if stage in STAGES else None,
        reason=_text(details.get("reason")),
        date=_text(details.get("date")),
    )


def valid_exclusion(data: dict[str, Any], error: Callable[[tuple[str, ...], str], None]) -> None:
    """Check `status` and `excluded` of a record's data; problems go to `error(key, message)`."""
    status = data.get("status")
    if status is not None and status not in STATUSES:
        error(("status",), f"status must be one of: {', '.join(STATUSES)}, got {status!r}")
    details = data.get("excluded")
    if details is None:
        return
    if status != STATUS_EXCLUDED:
        now = "the paper is included" if status in (None, STATUS_INCLUDED) else f"status is {status!r}"
        error(
            ("excluded",),
            f"excluded is set but {now}: a contradiction; set status: excluded, "
            "or delete the excluded: keys to include the paper",
        )
    if not isinstance(details, dict):
        error(("excluded",), "excluded must be a mapping with reason (text) and date (a day)")
        return
    for key in details:
        if key not in EXCLUDED_KEYS:
            error(("excluded", key), f"unknown key {key!r} under excluded (expected stage, reason, date)")
    stage, reason, on = details.get("stage"), details.get("reason"), details.get("date")
    if stage is not None and stage not in STAGES:
        error(("excluded", "stage"), f"excluded.stage must be one of: {', '.join(STAGES)}, got {stage!r}")
    if reason is not None and not isinstance(reason, str):
        error(("excluded", "reason"), f"excluded.reason must be text, got {reason!r}")
    day = on.isoformat() if isinstance(on, datetime.date) else str(on)
    if on is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        error(("excluded", "date"), f"excluded.date must be a day such as 2024-05-07, got {on!r}")


def exclude(path: Path, reason: str, on: str) -> bool:
    """Mark the record at `path` excluded, with the reason and day, in place (comments and key
    order kept; the two keys go after the title); False if it was excluded already."""

    def change(data: Any) -> bool:
        if data.get("status") == STATUS_EXCLUDED:
            return False
        data.pop("status", None)
        keys = list(data)
        after = max((keys.index(k) for k in ("id", "title", "title_derived") if k in data), default=-1)
        data.insert(after + 1, "status", STATUS_EXCLUDED)
        details = type(data)()  # a round-trip mapping, so it is written in block style
        details["reason"] = reason
        details["date"] = on
        data.insert(after + 2, "excluded", details)
        return True

    return update_in_place(path, change)


def drop_related(path: Path, ids: set[str]) -> list[str]:
    """Take `ids` off the record's related.pin and related.hide; the lists that changed."""
    changed: list[str] = []

    def change(data: Any) -> bool:
        related = data.get("related")
        if not isinstance(related, dict):
            return False
        for key in ("pin", "hide"):
            values = related.get(key)
            if isinstance(values, list) and any(v in ids for v in values):
                for i in reversed(range(len(values))):
                    if values[i] in ids:
                        del values[i]
                changed.append(key)
        return bool(changed)

    update_in_place(path, change)
    return changed


def stale_exclusions(excluded: Sequence[_Excluded], refs: set[SourceRef], log: ProblemLog) -> None:
    """A warning for each excluded record that no source lists any more."""
    for record in excluded:
        if record.paper.sources and not any(ref in refs for ref in record.paper.sources):
            where = ", ".join(f"{s.file}:{s.line}" for s in record.paper.sources)
            log.warning(
                record.path,
                record.lines.get(("status",)),
                f"excluded, but no source has this paper any more (it was {where}); "
                "delete the record if it should not be kept out of later imports",
            )
