"""The codebook: creating, renaming, merging and deleting tags, each recorded with its before
and after, through `tagging` and through the codebook page."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from soundingboard.accounts.models import Role
from soundingboard.analyse import tagging
from soundingboard.analyse.models import ChangeRecord, ResponseTag, Tag
from soundingboard.collect.models import Response
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG

pytestmark = pytest.mark.django_db

CODEBOOK = f"/-/analyse/{SLUG}/codebook/"


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture
def ana(served):
    return make_account("ana", Role.ANALYST, two_factor=True)


@pytest.fixture
def analyst(client, ana):
    sign_in_verified(client, *ana)
    return client


def ours(n: int) -> list[Response]:
    return list(Response.objects.filter(consultation=SLUG).order_by("id")[:n])


def codebook_records(action: str) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(action=action, response__isnull=True).order_by("id"))


def test_create_and_rename_are_recorded_and_names_are_unique(ana, records):
    user, _ = ana
    tag = tagging.create_tag(user, SLUG, "  Funding ")
    assert tag.name == "Funding"
    [created] = codebook_records("tag-created")
    assert (created.tag, created.before, created.after) == (tag, None, {"name": "Funding"})
    assert (created.user, created.username, created.consultation) == (user, "ana", SLUG)

    for name in ("funding", "FUNDING", ""):
        with pytest.raises(tagging.TaggingError):
            tagging.create_tag(user, SLUG, name)
    # Another consultation has a codebook of its own.
    assert tagging.create_tag(user, "another-consultation", "Funding").pk != tag.pk

    other = tagging.create_tag(user, SLUG, "Money")
    with pytest.raises(tagging.TaggingError, match="merge"):
        tagging.rename_tag(user, other, "funding")
    assert tagging.rename_tag(user, tag, "Funding and grants")
    assert not tagging.rename_tag(user, tag, "Funding and grants")  # the same: not recorded
    [renamed] = codebook_records("tag-renamed")
    assert renamed.before == {"name": "Funding"}
    assert renamed.after == {"name": "Funding and grants"}
    assert Tag.objects.get(pk=tag.pk).name == "Funding and grants"
    # Only a change of case is allowed.
    assert tagging.rename_tag(user, other, "MONEY")


def test_a_tag_name_cannot_hold_the_exports_list_separator(ana, records):
    """Exports list a response's tags separated by "; ": a tag named “Funding; cuts” could
    not be told from two tags there."""
    user, _ = ana
    message = "A tag's name cannot contain a semicolon (;): exports list a response's tags"
    with pytest.raises(tagging.TaggingError, match=re.escape(message)):
        tagging.create_tag(user, SLUG, 'Funding; cuts, "Northgate"')
    tag = tagging.create_tag(user, SLUG, "Funding")
    with pytest.raises(tagging.TaggingError, match=re.escape(message)):
        tagging.rename_tag(user, tag, "Funding; cuts")
    assert not Tag.objects.filter(name__contains=";").exists()


def test_merge_moves_responses_and_records_each(ana, records):
    user, _ = ana
    a, b, c = ours(3)
    source = tagging.create_tag(user, SLUG, "Cash")
    target = tagging.create_tag(user, SLUG, "Money")
    tagging.add_tag(user, [a, b], source)
    tagging.add_tag(user, [b, c], target)
    assert tagging.merge_tags(user, source, target) == 2
    assert not Tag.objects.filter(pk=source.pk).exists()
    assert sorted(ResponseTag.objects.filter(tag=target).values_list("response_id", flat=True)) == [
        a.pk,
        b.pk,
        c.pk,
    ]
    assert ResponseTag.objects.count() == 3
    [merged] = codebook_records("tags-merged")
    assert merged.before == {"tags": ["Cash", "Money"]}
    assert merged.after == {"name": "Money", "responses": 3}
    by_response = {
        r.response_id: (r.before, r.after)
        for r in ChangeRecord.objects.filter(action="tags-merged")
    }
    assert by_response[a.pk] == ({"tags": ["Cash"]}, {"tags": ["Money"]})
    assert by_response[b.pk] == ({"tags": ["Cash", "Money"]}, {"tags": ["Money"]})
    assert c.pk not in by_response
    with pytest.raises(tagging.TaggingError):
        tagging.merge_tags(user, target, target)
    elsewhere = tagging.create_tag(user, "another-consultation", "Money")
    with pytest.raises(tagging.TaggingError):
        tagging.merge_tags(user, elsewhere, target)


def test_delete_takes_the_tag_off_and_records_it(ana, records):
    user, _ = ana
    a, b = ours(2)
    tag = tagging.create_tag(user, SLUG, "Noise")
    keep = tagging.create_tag(user, SLUG, "Keep")
    tagging.add_tag(user, [a, b], tag)
    tagging.add_tag(user, [a], keep)
    assert tagging.delete_tag(user, tag) == 2
    assert list(Tag.objects.filter(consultation=SLUG).values_list("name", flat=True)) == ["Keep"]
    assert tagging.tags_by_response([a.pk, b.pk]) == {a.pk: ["Keep"]}
    [deleted] = codebook_records("tag-deleted")
    assert deleted.before == {"name": "Noise", "responses": 2} and deleted.after is None
    on_a = ChangeRecord.objects.get(action="tag-deleted", response=a)
    assert (on_a.before, on_a.after) == ({"tags": ["Keep", "Noise"]}, {"tags": ["Keep"]})
    # The response's history keeps the record though the tag is gone.
    assert tagging.history(a).first().action == "tag-deleted"


def test_the_codebook_page_for_an_analyst(analyst, records):
    reply = analyst.post(f"{CODEBOOK}new/", {"name": "Access"})
    assert reply.status_code == 302 and reply["Location"] == CODEBOOK
    access = Tag.objects.get(name="Access")
    duplicate = analyst.post(f"{CODEBOOK}new/", {"name": "access"})
    assert duplicate.status_code == 400
    assert "There is already a tag called" in duplicate.content.decode()
    analyst.post(f"{CODEBOOK}new/", {"name": "Rural"})
    rural = Tag.objects.get(name="Rural")
    tagging.add_tag(None, ours(4), rural)

    text = analyst.get(CODEBOOK).content.decode()
    assert "Access" in text and "Rename" in text and "Create a tag" in text
    assert f'href="/-/analyse/{SLUG}/responses/?tag={rural.pk}&amp;status=all"' in text

    reply = analyst.post(f"{CODEBOOK}{rural.pk}/rename/", {"name": "Rural areas"})
    assert reply.status_code == 302
    assert analyst.post(f"{CODEBOOK}{rural.pk}/rename/", {"name": "ACCESS"}).status_code == 400
    assert Tag.objects.get(pk=rural.pk).name == "Rural areas"

    # Merge: a confirmation page first, then the merge.
    confirm = analyst.post(f"{CODEBOOK}{rural.pk}/merge/", {"into": access.pk})
    assert confirm.status_code == 200 and "Merge “Rural areas” into “Access”?" in (
        confirm.content.decode()
    )
    assert Tag.objects.filter(pk=rural.pk).exists()
    analyst.post(f"{CODEBOOK}{rural.pk}/merge/", {"into": access.pk, "confirm": "yes"})
    assert not Tag.objects.filter(pk=rural.pk).exists()
    assert ResponseTag.objects.filter(tag=access).count() == 4

    # Delete: a confirmation page (GET), then the deletion (POST).
    confirm = analyst.get(f"{CODEBOOK}{access.pk}/delete/")
    assert "It will be taken off 4 responses" in confirm.content.decode()
    analyst.post(f"{CODEBOOK}{access.pk}/delete/")
    assert not Tag.objects.filter(consultation=SLUG).exists()
    assert not ResponseTag.objects.exists()
    actions = list(
        ChangeRecord.objects.filter(response__isnull=True)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "tag-created",
        "tag-created",
        "tag-renamed",
        "tags-merged",
        "tag-deleted",
    ]
    history = analyst.get(CODEBOOK).content.decode()
    assert "Tag deleted" in history and "Tag “Rural areas”" in history


def test_an_error_is_shown_with_the_tag_it_is_about(analyst, ana, records):
    """The rename and merge errors open that tag's own "Rename, merge or delete", not the
    last one of the codebook; an error creating a tag opens none."""
    user, _ = ana
    access = tagging.create_tag(user, SLUG, "Access")
    rural = tagging.create_tag(user, SLUG, "Rural")  # last, in the order of names

    def opened(reply) -> dict[int, list[str]]:
        """{tag id: its error messages} of each tag whose changes are shown open."""
        page = BeautifulSoup(reply.content, "html.parser")
        return {
            tag.pk: [m.get_text(" ", strip=True) for m in row.select(".govuk-error-message")]
            for tag in (access, rural)
            if (row := page.find(id=f"tag-{tag.pk}")) and row.select_one("details[open]")
        }

    renamed = analyst.post(f"{CODEBOOK}{access.pk}/rename/", {"name": "rural"})
    assert renamed.status_code == 400
    [(pk, [message])] = opened(renamed).items()
    assert pk == access.pk and "already a tag called" in message

    merged = analyst.post(f"{CODEBOOK}{access.pk}/merge/", {"into": access.pk})
    assert list(opened(merged)) == [access.pk]

    created = analyst.post(f"{CODEBOOK}new/", {"name": "access"})
    assert created.status_code == 400 and opened(created) == {}


def test_a_reader_sees_the_codebook_read_only(client, served, ana, records):
    tag = tagging.create_tag(ana[0], SLUG, "Access")
    reader, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, reader, None)
    text = client.get(CODEBOOK).content.decode()
    assert "Access" in text and "Only analysts and administrators can change them" in text
    assert "Create a tag" not in text and "Rename" not in text
    assert client.get(f"{CODEBOOK}{tag.pk}/delete/").status_code == 403
    assert client.post(f"{CODEBOOK}{tag.pk}/merge/", {"into": tag.pk}).status_code == 403
    assert Tag.objects.filter(pk=tag.pk).exists()
