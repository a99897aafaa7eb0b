"""Prepared INSERTs never silently skip what save() would do for a model they write.

The models are the ones prepared_insert itself allows (`models_written()`, every model marked
`@written_without_save`; `prepare()` refuses any other), not a list kept here. The rest of the
module shows that the rule catches each thing it is meant to, and that what prepared INSERTs
do as save() would (init signals, `auto_now`) really happens.
"""

# ruff: noqa: DJ008 - the throwaway models here are never shown, so need no __str__

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core import checks
from django.db import models
from django.db.models import F, signals
from django.test.utils import isolate_apps

from soundingboard.collect import prepared_insert
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.prepared_insert import (
    check_models_written,
    models_written,
    prepare,
    skipped_by_prepared_insert,
    written_without_save,
)
from soundingboard.collect.storage import ContactDetails, Score, Tick, store_response


@pytest.mark.parametrize("model", models_written(), ids=lambda m: m._meta.label)
def test_no_model_written_without_save_has_behaviour_it_would_skip(model):
    skipped = skipped_by_prepared_insert(model)
    assert not skipped, (
        f"{model._meta.label} is written by prepared INSERTs (collect/prepared_insert.py), "
        f"which would skip: {'; '.join(skipped)}"
    )


def test_the_system_check_is_registered_and_finds_nothing():
    found = checks.run_checks(tags=[checks.Tags.models])
    assert [m for m in found if m.id == "collect.E001"] == []


@pytest.mark.django_db
def test_every_model_a_submission_writes_is_marked():
    """`prepare()` refuses an unmarked model, so a full submission shows the marks are complete."""
    store_response(
        {"consultation": "libraries", "kind": Response.Kind.QUESTIONNAIRE},
        token="guard-every-model",
        contact=ContactDetails(email="a@example.org"),
        scores=[Score(idea="Idea", usefulness=3, likelihood=None)],
        ticks=[Tick(idea="Idea", activity="Reading", raw="Reading")],
    )
    assert {Contact, Response, IdeaScore, ActivityTick} <= set(models_written())
    assert (Contact.objects.count(), IdeaScore.objects.count(), ActivityTick.objects.count()) == (
        1,
        1,
        1,
    )


@pytest.fixture
def registry() -> Iterator[None]:
    """Models marked in a test are forgotten after it."""
    with mock.patch.object(prepared_insert, "_written", list(prepared_insert._written)):
        yield


@isolate_apps("soundingboard.collect")
def test_an_unmarked_model_is_refused(registry):
    class Unmarked(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "collect"

    with pytest.raises(TypeError, match=r"collect\.Unmarked is not marked @written_without_save"):
        prepare([Unmarked(name="x")])


# What the rule catches.


def test_a_save_override_is_reported():
    def save(self, *args, **kwargs):
        return None

    with mock.patch.object(Response, "save", save):
        assert skipped_by_prepared_insert(Response) == [
            "the save() override in soundingboard.collect.models.Response"
        ]
    assert skipped_by_prepared_insert(Response) == []


@isolate_apps("soundingboard.collect")
def test_a_save_override_in_an_abstract_parent_is_reported():
    class Stamped(models.Model):
        class Meta:
            abstract = True
            app_label = "collect"

        def save_base(self, *args, **kwargs):
            return super().save_base(*args, **kwargs)

    class Note(Stamped):
        text = models.CharField(max_length=10)

        class Meta:
            app_label = "collect"

    assert skipped_by_prepared_insert(Note) == [
        f"the save_base() override in {__name__}.{Stamped.__qualname__}"
    ]


@pytest.mark.parametrize("signal", [signals.pre_save, signals.post_save])
@pytest.mark.parametrize("sender", [Response, None], ids=["for Response", "for every model"])
def test_a_save_signal_receiver_is_reported(signal, sender):
    def note_it(**kwargs):
        pass

    name = "pre_save" if signal is signals.pre_save else "post_save"
    signal.connect(note_it, sender=sender)
    try:
        reported = skipped_by_prepared_insert(Response)
        assert reported == [f"the {name} receiver {__name__}.{note_it.__qualname__}"]
        if sender is None:
            assert skipped_by_prepared_insert(IdeaScore) == reported
        else:
            assert skipped_by_prepared_insert(IdeaScore) == []
    finally:
        signal.disconnect(note_it, sender=sender)
    assert skipped_by_prepared_insert(Response) == []


@isolate_apps("soundingboard.collect")
def test_fields_the_database_fills_in_are_reported():
    class Filled(models.Model):
        a = models.IntegerField()
        b = models.IntegerField(db_default=1)
        d = models.IntegerField(default=2, db_default=2)  # Django writes the default itself
        c = models.GeneratedField(
            expression=F("a") + 1, output_field=models.IntegerField(), db_persist=True
        )

        class Meta:
            app_label = "collect"

    assert skipped_by_prepared_insert(Filled) == [
        "the db_default of b",
        "the GeneratedField c",
    ]


@isolate_apps("soundingboard.collect")
def test_a_parent_table_is_reported():
    class Parent(models.Model):
        class Meta:
            app_label = "collect"

    class Child(Parent):
        class Meta:
            app_label = "collect"

    assert skipped_by_prepared_insert(Child) == [
        "its parent model's table (multi-table inheritance)"
    ]


def test_the_system_check_names_the_model_and_the_reason():
    def save(self, *args, **kwargs):
        return None

    with mock.patch.object(Response, "save", save):
        errors = [m for m in checks.run_checks(tags=[checks.Tags.models]) if m.id == "collect.E001"]
    assert len(errors) == 1
    assert errors[0].obj is Response and errors[0].level == checks.ERROR
    assert errors[0].msg == (
        "collect.Response is written by prepared INSERTs, which would skip "
        "the save() override in soundingboard.collect.models.Response."
    )
    assert check_models_written() == []


# What prepared INSERTs do as save() would, so the rule leaves it alone.


@pytest.mark.django_db
def test_init_signal_receivers_run():
    """The instances are made with Model(...), so pre_init and post_init receivers run."""
    seen = []

    def note_it(sender, **kwargs):
        seen.append(sender)

    signals.post_init.connect(note_it, sender=Response)
    signals.pre_init.connect(note_it, sender=Response)
    try:
        assert skipped_by_prepared_insert(Response) == []
        store_response({"consultation": "libraries"}, token="guard-init-signals")
    finally:
        signals.post_init.disconnect(note_it, sender=Response)
        signals.pre_init.disconnect(note_it, sender=Response)
    assert seen == [Response, Response]


@isolate_apps("soundingboard.collect")
def test_auto_now_and_auto_now_add_are_filled(registry):
    @written_without_save
    class Stamped(models.Model):
        created = models.DateTimeField(auto_now_add=True)
        changed = models.DateTimeField(auto_now=True)
        day = models.DateField(auto_now_add=True)

        class Meta:
            app_label = "collect"

    assert skipped_by_prepared_insert(Stamped) == []
    before, today = dt.datetime.now(dt.UTC), dt.date.today()
    instance = Stamped()
    insert = prepare([instance])
    assert before <= instance.created <= instance.changed <= dt.datetime.now(dt.UTC)
    assert instance.day in {today, dt.date.today()}
    assert len(insert.rows[0]) == 3 and None not in insert.rows[0]
