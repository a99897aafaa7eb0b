"""The payload checker runs the forms' own fields without a form per payload: it must say
exactly what the form says, remembering values or not."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as given_
from hypothesis import strategies as st

from soundingboard.collect.forms import OverallCommentsForm, PageFeedbackForm
from soundingboard.collect.limits import LIMITS, SUMMARY_MIN_LENGTH
from soundingboard.collect.payloads import (
    ASK_THE_FIELD,
    FieldRules,
    PayloadChecker,
    PayloadError,
    quick_check,
)
from soundingboard.publish.loader import load_consultation
from tests.conftest import write_consultation

ROLE = "Local authority leadership"
CASES = [
    {},
    {"summary": "Fine", "role": ROLE},
    {"summary": "A good summary", "role": ROLE},
    {"summary": "A good summary", "role": "local authority  LEADERSHIP "},
    {"summary": "\u200b\u200b\u200b\u200b\u200b\u200b", "role": ROLE},
    {"summary": "ok\x00ok ok", "role": ROLE, "email": "not an address"},
    {"summary": "x" * 5000, "details": "y" * 20000, "role": "Astronaut"},
    {"summary": "A good summary", "role": ROLE, "nature": "Something else", "organisation": ""},
    {"summary": "A good summary", "role": ROLE, "email": "jo@example.org", "comments": "z" * 9000},
    {"summary": "  Café  ", "role": ROLE, "organisation": "Ünïcode Council"},
    # At and around the limits the quick checks decide alone, and what they must leave to
    # the fields: blank or control characters only, lengths counted after cleaning.
    {"summary": "   ", "role": ROLE, "email": "   ", "organisation": " \t "},
    {"summary": "\x01\x02\x03\x04\x05\x06", "role": ROLE},
    {"summary": "a" * SUMMARY_MIN_LENGTH, "role": ROLE},
    {"summary": "a" * (SUMMARY_MIN_LENGTH - 1) + "\u200b", "role": ROLE},
    {"summary": " " + "s" * LIMITS["summary"] + " ", "role": ROLE},
    {"summary": "s" * LIMITS["summary"] + "\x07", "role": ROLE, "details": "d\r\nd"},
    {"summary": "s" * (LIMITS["summary"] + 1), "role": ROLE},
    {"summary": "A good summary", "role": ROLE, "organisation": "o" * LIMITS["organisation"]},
    {"summary": "A good summary", "role": ROLE, "organisation": "o" * 1000, "email": "@"},
    {"summary": "A good summary", "role": ROLE, "may_quote": "yes", "nature": "nonsense"},
    {"summary": "A good summary", "role": ROLE, "may_quote": "perhaps"},
]


@pytest.fixture
def consultation(tmp_path):
    return load_consultation(write_consultation(tmp_path / "c", "title: T\nslug: t\n", {}))


@pytest.mark.parametrize("form_class", [PageFeedbackForm, OverallCommentsForm])
@pytest.mark.parametrize("remember", [False, True])
def test_field_rules_say_what_the_form_says(consultation, form_class, remember):
    rules = FieldRules(form_class(consultation=consultation), remember=remember)
    for _ in range(2):  # the second time from memory, when remembering
        for data in CASES:
            form = form_class(data, consultation=consultation)
            valid = form.is_valid()
            cleaned, errors = rules.clean(data)
            assert errors == {k: [str(m) for m in v] for k, v in form.errors.items()}, data
            assert not errors if valid else errors
            expected = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
            assert cleaned == expected, data


@pytest.mark.django_db
def test_a_remembering_checker_matches_pages_once_and_checks_alike(consultation, monkeypatch):
    from soundingboard.collect import payloads

    calls = []
    real = payloads.match_page
    monkeypatch.setattr(payloads, "match_page", lambda c, a: calls.append(a) or real(c, a))
    checker = PayloadChecker(consultation, remember=True)
    payload = {"tab": "Feedback", "page": "/", "summary": "A good summary", "role": ROLE}
    first, second = checker.check(payload), checker.check(dict(payload, summary="Another one"))
    assert calls == ["/"]
    assert first.fields["role"] == second.fields["role"] == ROLE
    with pytest.raises(PayloadError) as caught:
        checker.check(dict(payload, role="Astronaut"))
    assert caught.value.errors == {"role": ["Select your role from the list"]}


@pytest.mark.parametrize("form_class", [PageFeedbackForm, OverallCommentsForm])
def test_quick_checks_vouch_only_for_what_the_field_accepts_alike(consultation, form_class):
    form = form_class(consultation=consultation)
    quick = {name: quick_check(field) for name, field in form.fields.items()}
    assert quick["summary" if "summary" in quick else "comments"] is not None
    for data in CASES:
        for name, check in quick.items():
            if check is None:
                continue
            result = check(data.get(name))
            if result is not ASK_THE_FIELD:
                assert result == form.fields[name].clean(data.get(name)), (name, data)


# Rows as a file might hold them: the quick checks' edges (limits, blanks, control and
# invisible characters, addresses Django's validator accepts or not) mixed at random.
ADDRESS = st.one_of(
    st.emails(),
    st.from_regex(r"[a-z0-9._%+\-\"@\[\]:]{0,12}@[a-z0-9.\-\[\]:]{0,20}", fullmatch=True),
    st.sampled_from(
        [
            "jo@example.org",
            " jo@example.org ",
            "jo..x@example.org",
            ".jo@example.org",
            "jo@-example.org",
            "jo@example-.org",
            "jo@example.o",
            "jo@localhost",
            '"jo smith"@example.org',
            "jo@[127.0.0.1]",
            "jó@example.org",
            "jo@exämple.org",
            "jo@example.xn--p1ai",
            "jo@" + "a" * 63 + ".org",
            "jo@" + "a" * 64 + ".org",
            "j" * 64 + "@" + "e" * 180 + ".org",
            "jo@example.org\x00",
            "jo@example.org\n",
            "jo\u200b@example.org",
        ]
    ),
)
TEXT = st.one_of(
    st.text(max_size=20),
    st.text(st.sampled_from(" \t\n\r\x00\x01\u200b\u00a0aé😀"), max_size=14),
    st.builds(lambda n, c: c * n, st.integers(0, 12), st.sampled_from("a \u200b\x07")),
)


def around(limit: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda n, pad, c: pad + c * n + pad,
        st.integers(limit - 2, limit + 2),
        st.sampled_from(["", " ", "\x01"]),
        st.sampled_from("x\u200bé"),
    )


FIELDS = {
    "summary": st.one_of(TEXT, around(SUMMARY_MIN_LENGTH), around(LIMITS["summary"])),
    "details": st.one_of(TEXT, around(LIMITS["details"])),
    "comments": st.one_of(TEXT, around(LIMITS["comments"])),
    "organisation": st.one_of(TEXT, around(LIMITS["organisation"])),
    "email": st.one_of(ADDRESS, TEXT),
    "role": st.one_of(st.just(ROLE), st.just(" local authority  LEADERSHIP"), TEXT),
    "nature": TEXT,
    "may_quote": st.sampled_from(["", "yes", "no", "Yes", "maybe"]),
}
ROW = st.fixed_dictionaries({}, optional=FIELDS)


@pytest.mark.parametrize("form_class", [PageFeedbackForm, OverallCommentsForm])
@pytest.mark.parametrize("given", [False, True])
def test_field_rules_agree_with_the_form_on_tricky_rows(consultation, form_class, given):
    """The quick checks and remembered values (and, as a payload's rules are made, the fields
    no payload fills worked out once) say what the whole form says, row after row."""
    names = set(FIELDS) if given else None
    rules = FieldRules(form_class(consultation=consultation), remember=True, given=names)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given_(ROW)
    def agree(data):
        form = form_class(data, consultation=consultation)
        valid = form.is_valid()
        cleaned, errors = rules.clean(data)
        assert errors == {k: [str(m) for m in v] for k, v in form.errors.items()}, data
        assert not errors if valid else errors
        expected = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
        assert cleaned == expected, data

    agree()


@settings(max_examples=1000, deadline=None)
@given_(st.one_of(ADDRESS, TEXT))
def test_the_quick_address_check_vouches_only_for_what_the_field_accepts(address):
    field = PageFeedbackForm.base_fields["email"]
    check = quick_check(field)
    assert check is not None
    result = check(address)
    if result is not ASK_THE_FIELD:
        assert result == field.clean(address)


def test_the_quick_address_check_vouches_for_plain_addresses():
    check = quick_check(PageFeedbackForm.base_fields["email"])
    assert check is not None
    for address in ("person12@example.org", "a.b+c@mail.example.co.uk", " x_y@ex-ample.com "):
        assert check(address) == address.strip()
    for address in ("jo@localhost", '"a b"@example.org', "jo@[127.0.0.1]", "jó@example.org"):
        assert check(address) is ASK_THE_FIELD
