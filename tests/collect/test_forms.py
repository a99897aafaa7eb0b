"""The feedback forms share their fields safely between the forms made from them."""

from __future__ import annotations

from soundingboard.collect.forms import OverallCommentsForm, PageFeedbackForm
from tests.conftest import write_consultation


def _consultation(folder, use_consultations, roles: str):
    config = f"title: C\nslug: {folder.name}\nfeedback:\n  roles: [{roles}]\n"
    return use_consultations(write_consultation(folder, config, {"index.md": "# C\n"})).single


def test_forms_of_one_consultation_share_fields_but_not_their_list(tmp_path, use_consultations):
    consultation = _consultation(tmp_path / "c", use_consultations, "Alpha, Beta")
    first = PageFeedbackForm(consultation=consultation)
    second = PageFeedbackForm(consultation=consultation, ask_about_you=False)
    assert first.fields["summary"] is second.fields["summary"]
    # Leaving out the questions about you in one form leaves them in every other.
    assert "role" not in second.fields
    assert {"role", "organisation", "email"} <= set(first.fields)
    assert "role" in PageFeedbackForm(consultation=consultation).fields
    assert PageFeedbackForm.base_fields["role"].choices == []  # the class's own are untouched


def test_each_consultation_and_form_gets_its_own_options(tmp_path, use_consultations):
    one = _consultation(tmp_path / "one", use_consultations, "Alpha, Beta")
    two = _consultation(tmp_path / "two", use_consultations, "Gamma")
    assert [c for c, _ in PageFeedbackForm(consultation=one).fields["role"].choices] == [
        "Alpha",
        "Beta",
    ]
    assert [c for c, _ in PageFeedbackForm(consultation=two).fields["role"].choices] == ["Gamma"]
    overall = OverallCommentsForm(consultation=one)
    assert "comments" in overall.fields and "summary" not in overall.fields


def test_a_shared_field_still_checks_each_form_apart(tmp_path, use_consultations):
    consultation = _consultation(tmp_path / "c", use_consultations, "Alpha, Beta")
    data = {"summary": "Long enough", "role": "Beta"}
    good = PageFeedbackForm(data, consultation=consultation)
    bad = PageFeedbackForm({**data, "role": "Gamma"}, consultation=consultation)
    assert good.is_valid(), good.errors
    assert not bad.is_valid()
    assert bad.errors["role"] == ["Select your role from the list"]
    assert good.cleaned_data["role"] == "Beta"


def test_the_summary_minimum_counts_only_characters_that_show(tmp_path, use_consultations):
    """Six zero-width spaces once passed the 5-character minimum for a summary."""
    consultation = _consultation(tmp_path / "c", use_consultations, "Alpha")
    for invisible in [
        "\u200b" * 6,  # zero-width spaces
        "\u200b\u200c\u200d\u2060\ufeff\u200b",  # and joiners, word joiner, BOM
        "\u202e\u2066\u2069\u200e\u200f\u061c",  # bidirectional controls
        "\u3164" * 6,  # Hangul filler, drawn blank
        "ab\u00a0\u2003\u3000cd",  # four letters and three kinds of space
        "a\u200bb\u200bc\u200bd",
    ]:
        form = PageFeedbackForm({"summary": invisible, "role": "Alpha"}, consultation=consultation)
        assert not form.is_valid(), repr(invisible)
        assert form.errors["summary"] == ["Summary must be 5 characters or more"]
    for shown in ["abcde", "a\u200bbcde", "नमस्ते", "\u202eabcde", "日本語です。"]:
        form = PageFeedbackForm({"summary": shown, "role": "Alpha"}, consultation=consultation)
        assert form.is_valid(), repr(shown)
        assert form.cleaned_data["summary"] == shown  # kept as sent
