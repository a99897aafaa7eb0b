"""Coding responses: each consultation's codebook of tags, tags on responses, notes, and
marking responses as spam or hidden. Every change goes through a function here, which
writes a `ChangeRecord` (who, when, before and after) in the same database transaction.

    from soundingboard.analyse import tagging

    tag = tagging.create_tag(user, "my-consultation", "Funding")
    tagging.add_tag(user, responses, tag)         # a queryset or a list of Responses
    tagging.remove_tag(user, responses, tag)
    tagging.rename_tag(user, tag, "Money")
    tagging.merge_tags(user, source, target)      # source's responses go to target
    tagging.delete_tag(user, tag)
    tagging.set_status(user, response, "hidden", "Duplicate of SB-1234")
    tagging.add_note(user, response, "Follow up with the policy team")
    tagging.tags_by_response([response.id, ...])  # {id: ["Funding", ...]}, for exports

Adding a tag a response already has, removing one it has not, and setting the status it
already has change nothing and record nothing. A problem the user can fix (an empty or
duplicate name, a tag of another consultation) raises `TaggingError` with a message to show.

The history of a response: `history(response)`; of a codebook: `codebook_history(slug)`;
either in words: `describe(record)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ..collect.models import Response
from ..core.text import clean_text
from .models import ChangeRecord, Note, ResponseTag, Tag

Action = ChangeRecord.Action

MAX_TAG_NAME = 100
MAX_NOTE = 5000
MAX_REASON = 200
CHUNK = 500  # ids per query, to keep under every database's limit of parameters
STATUS_LABELS = dict(Response.Status.choices)


class TaggingError(ValueError):
    """A change that cannot be made, with a message to show the user."""


# Reading -------------------------------------------------------------------------------------


def tags_by_response(response_ids: Iterable[int]) -> dict[int, list[str]]:
    """Tag names of each response, sorted (responses without tags are left out)."""
    ids = list(dict.fromkeys(response_ids))
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            ResponseTag.objects.filter(response_id__in=ids[start : start + CHUNK])
            .order_by("tag__name")
            .values_list("response_id", "tag__name")
        )
        for response_id, name in rows:
            found.setdefault(response_id, []).append(name)
    return found


def history(response: Response) -> QuerySet[ChangeRecord]:
    """Changes to this response, newest first."""
    return ChangeRecord.objects.filter(response=response).order_by("-at", "-id")


def codebook_history(consultation: str) -> QuerySet[ChangeRecord]:
    """Changes to a consultation's codebook itself (not to responses), newest first."""
    return ChangeRecord.objects.filter(consultation=consultation, response__isnull=True).order_by(
        "-at", "-id"
    )


def describe(record: ChangeRecord) -> tuple[str, str]:
    """(before, after) of a change, in words."""
    return _words(record.before), _words(record.after)


def _words(value: Any) -> str:
    if not value:
        return "–"
    if not isinstance(value, dict):
        return str(value)
    parts = []
    if "set" in value:
        parts.append(f"Set {value['set']} of themes")
    if "theme" in value:
        parts.append(f"Theme “{value['theme']}”")
    if "themes" in value:
        parts.append("Themes: " + (", ".join(value["themes"]) or "none"))
    if "tags" in value:
        parts.append("Tags: " + (", ".join(value["tags"]) or "none"))
    if "name" in value:
        parts.append(f"Tag “{value['name']}”")
    if "responses" in value:
        n = value["responses"]
        parts.append(f"on {n} response{'' if n == 1 else 's'}")
    if "status" in value:
        status = STATUS_LABELS.get(value["status"], value["status"])
        reason = value.get("reason")
        parts.append(f"Status: {status}" + (f" ({reason})" if reason else ""))
    if "note" in value:
        parts.append(f"Note: {value['note']}")
    return "; ".join(parts) if parts else "–"


# Changing ------------------------------------------------------------------------------------


def record_change(
    user: Any,
    action: str,
    consultation: str,
    *,
    response: Response | None = None,
    response_id: int | None = None,
    tag: Tag | None = None,
    before: Any = None,
    after: Any = None,
) -> ChangeRecord:
    """A change-log row (who, when, before and after), not yet saved."""
    return ChangeRecord(
        user=signed_in_user(user),
        username=signed_in_name(user),
        consultation=consultation,
        response_id=response.pk if response is not None else response_id,
        tag=tag,
        action=action,
        before=before,
        after=after,
    )


# Between the items of a list in a cell of a CSV or XLSX export (`exports`): a response's
# tags, its activities. A tag's name cannot hold its semicolon, or its tags could not be told
# apart there.
LIST_SEPARATOR = "; "


def clean_name(name: str) -> str:
    name = " ".join(clean_text(name or "").split())
    if not name:
        raise TaggingError("Enter a name for the tag")
    if LIST_SEPARATOR.strip() in name:
        raise TaggingError(
            "A tag's name cannot contain a semicolon (;): exports list a response's tags "
            "separated by semicolons"
        )
    if len(name) > MAX_TAG_NAME:
        raise TaggingError(f"A tag's name must be {MAX_TAG_NAME} characters or fewer")
    return name


def _name_taken(consultation: str, name: str, *, other_than: Tag | None = None) -> Tag | None:
    same = Tag.objects.filter(consultation=consultation, name__iexact=name)
    if other_than is not None:
        same = same.exclude(pk=other_than.pk)
    return same.first()


def create_tag(user: Any, consultation: str, name: str) -> Tag:
    """A new tag in the consultation's codebook. A name already used (in any case) is
    refused; use `get_or_create_tag` to reuse it instead."""
    name = clean_name(name)
    with transaction.atomic():
        if _name_taken(consultation, name):
            raise TaggingError(f"There is already a tag called “{name}”")
        try:
            with transaction.atomic():
                tag = Tag.objects.create(consultation=consultation, name=name)
        except IntegrityError:
            raise TaggingError(f"There is already a tag called “{name}”") from None
        record_change(user, Action.TAG_CREATED, consultation, tag=tag, after={"name": name}).save()
    return tag


def get_or_create_tag(user: Any, consultation: str, name: str) -> tuple[Tag, bool]:
    """The tag of this name (in any case), made if there is none; and whether it was made."""
    existing = _name_taken(consultation, clean_name(name))
    if existing is not None:
        return existing, False
    return create_tag(user, consultation, name), True


def rename_tag(user: Any, tag: Tag, name: str) -> bool:
    """Rename a tag; False when the name is the same."""
    name = clean_name(name)
    if name == tag.name:
        return False
    with transaction.atomic():
        if _name_taken(tag.consultation, name, other_than=tag):
            raise TaggingError(
                f"There is already a tag called “{name}”: merge the two tags instead"
            )
        before = tag.name
        tag.name = name
        try:
            with transaction.atomic():
                tag.save(update_fields=["name"])
        except IntegrityError:
            tag.name = before
            raise TaggingError(f"There is already a tag called “{name}”") from None
        record_change(
            user,
            Action.TAG_RENAMED,
            tag.consultation,
            tag=tag,
            before={"name": before},
            after={"name": name},
        ).save()
    return True


def _ids(responses: QuerySet[Response] | Iterable[Response], consultation: str) -> list[int]:
    """Ids of those responses that belong to the consultation, in order."""
    if isinstance(responses, QuerySet):
        return list(
            responses.filter(consultation=consultation).order_by("id").values_list("id", flat=True)
        )
    return [r.pk for r in responses if r.consultation == consultation]


def add_tag(user: Any, responses: QuerySet[Response] | Iterable[Response], tag: Tag) -> int:
    """Tag responses (of the tag's consultation; others are ignored). Returns how many were
    newly tagged; those already tagged are left as they were."""
    with transaction.atomic():
        ids = _ids(responses, tag.consultation)
        current = tags_by_response(ids)
        new = [i for i in ids if tag.name not in current.get(i, [])]
        ResponseTag.objects.bulk_create(
            [ResponseTag(response_id=i, tag=tag, added_by=signed_in_user(user)) for i in new],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        records = []
        for i in new:
            before = current.get(i, [])
            records.append(
                record_change(
                    user,
                    Action.TAG_ADDED,
                    tag.consultation,
                    response_id=i,
                    tag=tag,
                    before={"tags": before},
                    after={"tags": sorted([*before, tag.name])},
                )
            )
        ChangeRecord.objects.bulk_create(records, batch_size=CHUNK)
    return len(new)


def remove_tag(user: Any, responses: QuerySet[Response] | Iterable[Response], tag: Tag) -> int:
    """Take a tag off responses; returns how many had it."""
    with transaction.atomic():
        ids = _ids(responses, tag.consultation)
        current = tags_by_response(ids)
        having = [i for i in ids if tag.name in current.get(i, [])]
        for start in range(0, len(having), CHUNK):
            ResponseTag.objects.filter(
                tag=tag, response_id__in=having[start : start + CHUNK]
            ).delete()
        ChangeRecord.objects.bulk_create(
            [
                record_change(
                    user,
                    Action.TAG_REMOVED,
                    tag.consultation,
                    response_id=i,
                    tag=tag,
                    before={"tags": current[i]},
                    after={"tags": [t for t in current[i] if t != tag.name]},
                )
                for i in having
            ],
            batch_size=CHUNK,
        )
    return len(having)


def merge_tags(user: Any, source: Tag, target: Tag) -> int:
    """Merge `source` into `target`: every response tagged `source` gets `target` instead,
    and `source` is deleted. Returns how many responses had `source`."""
    if source.consultation != target.consultation:
        raise TaggingError("Tags of different consultations cannot be merged")
    if source.pk == target.pk:
        raise TaggingError("Choose a different tag to merge into")
    with transaction.atomic():
        ids = list(
            ResponseTag.objects.filter(tag=source)
            .order_by("response_id")
            .values_list("response_id", flat=True)
        )
        current = tags_by_response(ids)
        already = {i for i in ids if target.name in current.get(i, [])}
        ResponseTag.objects.bulk_create(
            [
                ResponseTag(response_id=i, tag=target, added_by=signed_in_user(user))
                for i in ids
                if i not in already
            ],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        target_count = ResponseTag.objects.filter(tag=target).count()
        records = [
            record_change(
                user,
                Action.TAGS_MERGED,
                source.consultation,
                response_id=i,
                tag=target,
                before={"tags": current.get(i, [])},
                after={
                    "tags": sorted(
                        {t for t in current.get(i, []) if t != source.name} | {target.name}
                    )
                },
            )
            for i in ids
        ]
        records.append(
            record_change(
                user,
                Action.TAGS_MERGED,
                source.consultation,
                tag=target,
                before={"tags": [source.name, target.name]},
                after={"name": target.name, "responses": target_count},
            )
        )
        ChangeRecord.objects.bulk_create(records, batch_size=CHUNK)
        source.delete()
    return len(ids)


def delete_tag(user: Any, tag: Tag) -> int:
    """Delete a tag and take it off every response; returns how many had it."""
    with transaction.atomic():
        ids = list(
            ResponseTag.objects.filter(tag=tag)
            .order_by("response_id")
            .values_list("response_id", flat=True)
        )
        current = tags_by_response(ids)
        records = [
            record_change(
                user,
                Action.TAG_DELETED,
                tag.consultation,
                response_id=i,
                before={"tags": current.get(i, [])},
                after={"tags": [t for t in current.get(i, []) if t != tag.name]},
            )
            for i in ids
        ]
        records.append(
            record_change(
                user,
                Action.TAG_DELETED,
                tag.consultation,
                before={"name": tag.name, "responses": len(ids)},
            )
        )
        tag.delete()
        ChangeRecord.objects.bulk_create(records, batch_size=CHUNK)
    return len(ids)


def set_status(user: Any, response: Response, status: str, reason: str = "") -> bool:
    """Mark a response accepted, suspected spam or hidden (with an optional reason, kept for
    spam and hidden only). False when nothing changed."""
    if status not in Response.Status.values:
        raise TaggingError("Choose accepted, suspected spam or hidden")
    reason = " ".join(clean_text(reason or "").split())
    if len(reason) > MAX_REASON:
        raise TaggingError(f"The reason must be {MAX_REASON} characters or fewer")
    if status == Response.Status.ACCEPTED:
        reason = ""
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status == status and locked.spam_reason == reason:
            return False
        before = {"status": locked.status, "reason": locked.spam_reason}
        Response.objects.filter(pk=response.pk).update(status=status, spam_reason=reason)
        record_change(
            user,
            Action.STATUS_CHANGED,
            response.consultation,
            response=response,
            before=before,
            after={"status": status, "reason": reason},
        ).save()
    response.status, response.spam_reason = status, reason
    return True


def add_note(user: Any, response: Response, text: str) -> Note:
    """A note on a response, by `user`."""
    text = clean_text(text or "").strip()
    if not text:
        raise TaggingError("Enter the note")
    if len(text) > MAX_NOTE:
        raise TaggingError(f"A note must be {MAX_NOTE:,} characters or fewer")
    with transaction.atomic():
        note = Note.objects.create(
            response=response,
            author=signed_in_user(user),
            author_name=signed_in_name(user),
            text=text,
        )
        record_change(
            user, Action.NOTE_ADDED, response.consultation, response=response, after={"note": text}
        ).save()
    return note


def signed_in_user(user: Any) -> Any:
    """The user to record as having made a change: None for no one signed in."""
    return user if user is not None and user.is_authenticated else None


def signed_in_name(user: Any) -> str:
    """The user name to record beside a change: empty for no one signed in."""
    return user.get_username() if signed_in_user(user) else ""
