"""The intake API: the original site's JSON payloads, answered in JSON with proper codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import Client
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_openapi

from soundingboard.collect import ratelimit
from soundingboard.collect.api import MAX_BODY_BYTES, NOT_JSON, NOT_SAVED, idempotency_token
from soundingboard.collect.limits import LIMITS
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

ORIGIN = "https://original.example.org"
OTHER_ORIGIN = "https://elsewhere.example.com"
URL = "/-/api/intake"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    ratelimit.reset_for_tests()
    yield
    ratelimit.reset_for_tests()


def config(reference_ideas: list[dict], **more) -> str:
    settings = {
        "title": "Imagining a support offer",
        "allowed_origins": [ORIGIN],
        "questionnaire": {"ideas": reference_ideas},
        **more,
    }
    return yaml.safe_dump(settings, allow_unicode=True)


@pytest.fixture
def site(seed_site: Path, reference_ideas, use_consultations):
    """The seed pages (an MkDocs project), with a consultation.yml beside mkdocs.yml."""
    (seed_site / "consultation.yml").write_text(config(reference_ideas), encoding="utf-8")
    return use_consultations(seed_site).single


def feedback(**overrides) -> dict[str, str]:
    """A payload as the original per-page form script sent it."""
    payload = {
        "tab": "Feedback",
        "page": "https://example.github.io/paper/models/",
        "summary": "The delivery models need costing",
        "details": "",
        "role": DEFAULT_ROLES[0],
        "org": "",
        "email": "",
        "nature": "",
        "hp_field": "",
    }
    return {**payload, **overrides}


def main_feedback(**overrides) -> dict:
    """A payload as the original main questionnaire script sent it, drift and all."""
    payload = {
        "tab": "MainFeedback",
        "page": "https://example.github.io/paper/",
        "role": DEFAULT_ROLES[4],
        "org": "Example Council",
        "email": "",
        "rank_usefulness": {"Data tool collaboration": 5, "Curating standards": 4},
        "rank_likelihood": {"Data tool collaboration": 2},
        "activities": [
            "Procurement and configuration: Improving typical procurement practice and other "
            "CMS-related activity",
            "Supporting professional development: Developing provision to meet critical "
            "sector needs, eg- training and specialist capacity",
            "Mystery group: Something nobody listed",
        ],
        "section": "",
        "nature": DEFAULT_NATURES[1],
        "comments": "Promising, if funded.",
        "hp_field": "",
    }
    return {**payload, **overrides}


def post(client: Client, payload, url: str = URL, address: str = "127.0.0.1", **headers):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(
        url, data=body, content_type="application/json", headers=headers, REMOTE_ADDR=address
    )


def test_page_feedback_is_stored_with_its_page(client, site):
    reply = post(
        client,
        feedback(org="Example Council", email="a@example.org", nature=DEFAULT_NATURES[2]),
    )
    assert reply.status_code == 201
    assert reply["Content-Type"] == "application/json"
    assert reply["Cache-Control"] == "no-store"
    body = reply.json()
    stored = Response.objects.get()
    assert body == {"status": "accepted", "reference": stored.reference}
    assert (stored.kind, stored.channel, stored.status) == ("page", "api", "accepted")
    assert (stored.page_path, stored.page_matched, stored.page_title) == (
        "models/",
        True,
        "Models for delivery",
    )
    assert (stored.summary, stored.role, stored.nature) == (
        "The delivery models need costing",
        DEFAULT_ROLES[0],
        DEFAULT_NATURES[2],
    )
    assert (stored.contact.email, stored.contact.organisation) == (
        "a@example.org",
        "Example Council",
    )


def test_main_feedback_is_stored_as_scores_and_ticks(client, site):
    reply = post(client, main_feedback())
    assert reply.status_code == 201, reply.content
    stored = Response.objects.get()
    assert (stored.kind, stored.channel, stored.comments) == (
        "questionnaire",
        "api",
        "Promising, if funded.",
    )
    scores = {s.idea: (s.usefulness, s.likelihood) for s in IdeaScore.objects.all()}
    assert scores == {
        "Data tool collaboration": (5, 2),
        "Curating technical standards": (4, None),
    }
    ticks = list(ActivityTick.objects.order_by("id").values_list("idea", "matched", "raw"))
    assert [t[:2] for t in ticks] == [
        ("Making sense of case management systems", True),
        ("Supporting professional development", True),
        ("", False),
    ]
    assert ticks[2][2] == "Mystery group: Something nobody listed"
    assert stored.contact.organisation == "Example Council"


def test_an_unknown_page_is_kept_unmatched(client, site):
    address = "https://example.github.io/paper/a-page-since-removed/"
    assert post(client, feedback(page=address)).status_code == 201
    stored = Response.objects.get()
    assert (stored.page_matched, stored.page_path) == (False, address)


@pytest.mark.parametrize(
    "address",
    [
        "https://example.org/retired-page/",
        "https://example.org/feedback/",
        "https://example.org/retired-page",
        "https://example.org/retired-page/index.html",
        "https://example.org/retired-page/?from=email#top",
        "https://example.github.io/paper/retired/page/",
    ],
)
def test_an_address_that_is_no_page_is_kept_as_sent_whatever_its_length(client, site, address):
    assert post(client, feedback(page=address)).status_code == 201
    stored = Response.objects.get()
    assert (stored.page_matched, stored.page_path, stored.page_title) == (False, address, "")


@pytest.mark.parametrize(
    "address",
    [
        "",
        "/",
        "https://example.org/",
        "https://example.org/index.html",
        "https://example.github.io/paper/",
        "https://example.github.io/paper",
        "https://example.github.io/paper/index.html?from=email",
    ],
)
def test_the_home_page_is_matched_at_the_root_and_at_the_site_url(
    client, seed_site, reference_ideas, use_consultations, address
):
    settings = config(reference_ideas, site_url="https://example.github.io/paper/")
    (seed_site / "consultation.yml").write_text(settings, encoding="utf-8")
    use_consultations(seed_site)
    assert post(client, feedback(page=address)).status_code == 201
    stored = Response.objects.get()
    assert (stored.page_matched, stored.page_path) == (True, "")


def test_a_filled_honeypot_is_answered_as_usual_and_kept_aside(client, site):
    reply = post(client, feedback(hp_field="http://spam.example"))
    assert reply.status_code == 201
    assert set(reply.json()) == {"status", "reference"}
    assert reply.json()["status"] == "accepted"
    stored = Response.objects.get()
    assert stored.status == "spam" and "honeypot" in stored.spam_reason
    assert not Response.objects.filter(status="accepted").exists()


def test_the_same_idempotency_key_stores_one_response(client, site):
    first = post(client, feedback(), **{"Idempotency-Key": "3f2c-retry-me"})
    again = post(client, feedback(), **{"Idempotency-Key": "3f2c-retry-me"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    stored = Response.objects.get()
    assert stored.submission_token == idempotency_token(site, "3f2c-retry-me")
    other = post(client, feedback(), **{"Idempotency-Key": "another"})
    assert other.status_code == 201 and other.json() != first.json()
    assert Response.objects.count() == 2
    # Without a key each post is a new response.
    assert post(client, feedback()).status_code == 201
    assert Response.objects.count() == 3


def test_an_idempotency_key_sent_again_with_a_different_body_is_refused(client, site):
    """The key reused with another body was once answered 200 with the first reference."""
    key = {"Idempotency-Key": "3f2c-reused"}
    first = post(client, feedback(), **key)
    assert first.status_code == 201
    different = post(client, feedback(summary="Something else entirely"), **key)
    assert different.status_code == 422
    assert different["Cache-Control"] == "no-store"
    assert different.json() == {
        "errors": {
            "Idempotency-Key": [
                "This Idempotency-Key was already used for a different submission. "
                "Send a new submission with a new key."
            ]
        }
    }
    assert first.json()["reference"] not in different.content.decode()
    assert Response.objects.count() == 1
    # The same body, however spaced and ordered, is a retry.
    reordered = json.dumps(dict(reversed(list(feedback().items()))), indent=2)
    assert post(client, reordered, **key).json() == first.json()
    # A response stored before bodies were hashed is answered as before.
    Response.objects.update(body_hash="")
    assert post(client, feedback(summary="Something else entirely"), **key).status_code == 200


def test_an_overlong_idempotency_key_is_refused(client, site):
    reply = post(client, feedback(), **{"Idempotency-Key": "k" * 201})
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["Idempotency-Key"]
    assert post(client, feedback(), **{"Idempotency-Key": "k" * 200}).status_code == 201


def test_field_errors_use_the_forms_messages(client, site):
    payload = feedback(summary="abc")
    del payload["role"]
    reply = post(client, payload)
    assert reply.status_code == 400
    assert reply.json() == {
        "errors": {
            "summary": ["Summary must be 5 characters or more"],
            "role": ["Select your role"],
        }
    }
    assert not Response.objects.exists()


def test_every_field_has_a_limit(client, site):
    reply = post(
        client,
        feedback(
            summary="s" * (LIMITS["summary"] + 1),
            details="d" * (LIMITS["details"] + 1),
            org="o" * (LIMITS["organisation"] + 1),
            page="https://example.org/" + "p" * 2048,
        ),
    )
    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"summary", "details", "org", "page"}
    reply = post(client, main_feedback(activities=["x: y"] * 201, section="s" * 301))
    assert set(reply.json()["errors"]) == {"activities", "section"}
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", ""),
        (b'{"tab": "Feedback", "summary": "\xff\xfe bad"}', ""),
        ("[" * 60_000, ""),
        ('{"tab": "MainFeedback", "role": "x", "rank_usefulness": {"a": NaN}}', ""),
        ('{"tab": "Feedback", "page": "https://example.org/a/b\\ud800/"}', ""),
        ('{"tab": "MainFeedback", "activities": ["x\\udfff: y"]}', ""),
        ('{"tab": {}}', "tab"),
        ("[]", ""),
        ('{"tab": "Other"}', "tab"),
    ],
)
def test_bodies_that_are_not_a_payload_are_refused(client, site, body, field):
    reply = post(client, body)
    assert reply.status_code == 400
    assert field in reply.json()["errors"]
    if field == "" and body != "[]":
        assert reply.json()["errors"][""] == [NOT_JSON]


def test_a_byte_order_mark_and_a_charset_are_fine(client, site):
    body = "\ufeff" + json.dumps(feedback())
    reply = client.post(URL, data=body.encode(), content_type="application/json; charset=UTF-8")
    assert reply.status_code == 201


def test_a_body_over_64_kib_is_refused(client, site):
    big = post(client, feedback(details="d" * MAX_BODY_BYTES))
    assert big.status_code == 413
    assert big.json() == {"errors": {"": ["The body must be 64 KiB or smaller"]}}
    # A declared length over the limit is refused before anything is read.
    declared = client.post(
        URL, data="{}", content_type="application/json", CONTENT_LENGTH=str(10 * MAX_BODY_BYTES)
    )
    assert declared.status_code == 413
    assert not Response.objects.exists()


def test_a_chunked_body_is_read_to_its_end(client, site):
    """No Content-Length: gunicorn ends the stream at the body's end (wsgi.input_terminated)."""
    for body, status in [(json.dumps(feedback()).encode(), 201), (b"x" * MAX_BODY_BYTES * 2, 413)]:
        reply = client.generic(
            "POST",
            URL,
            CONTENT_TYPE="application/json",
            **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
        )
        assert reply.status_code == status
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ],
)
def test_only_json_is_taken(client, site, content_type):
    reply = client.post(URL, data=json.dumps(feedback()), content_type=content_type)
    assert reply.status_code == 415
    assert "application/json" in reply.json()["errors"][""][0]
    assert not Response.objects.exists()


def test_other_methods_are_refused_with_allow(client, site):
    reply = client.get(URL)
    assert reply.status_code == 405
    assert reply["Allow"] == "POST, OPTIONS"
    assert "errors" in reply.json()
    assert client.put(URL, data="{}").status_code == 405
    assert client.options(URL).status_code == 204


def test_the_rate_limit_answers_429_with_retry_after(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "2/600"
    assert [post(client, feedback()).status_code for _ in range(2)] == [201, 201]
    limited = post(client, feedback())
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 600
    assert "Try again in" in limited.json()["errors"][""][0]
    assert Response.objects.count() == 2
    # Another address has its own count; an IPv6 address is counted by its /64.
    assert post(client, feedback(), address="203.0.113.9").status_code == 201
    assert post(client, feedback(), address="2001:db8:1:2::1").status_code == 201
    assert post(client, feedback(), address="2001:db8:1:2::ffff").status_code == 201
    assert post(client, feedback(), address="2001:db8:1:2:3::9").status_code == 429


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        ("198.51.100.7", "", "198.51.100.7"),
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # not a trusted proxy: ignored
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "192.0.2.66, 203.0.113.5", "203.0.113.5"),  # the first is forgeable
        ("127.0.0.1", "203.0.113.5, 10.0.0.2", "203.0.113.5"),  # 10/8 is trusted too
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("::ffff:198.51.100.7", "", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
    ],
)
def test_the_client_behind_trusted_proxies(rf, settings, peer, forwarded, counted):
    settings.SOUNDINGBOARD_TRUSTED_PROXIES = "127.0.0.1, 10.0.0.0/8"
    request = rf.post(URL, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_id(request) == counted


@pytest.mark.parametrize(
    ("setting", "peer", "forwarded", "counted"),
    [
        ("", "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # by default no proxy is trusted
        ("", "", "203.0.113.5", ""),
        ("unix", "", "203.0.113.5", "203.0.113.5"),  # a proxy on this machine's unix socket
        ("unix", "", "192.0.2.66, 203.0.113.5", "203.0.113.5"),
        ("unix", "", "", ""),
        ("unix", "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # unix trusts no address
        ("unix, 10.0.0.2", "", "203.0.113.5, 10.0.0.2", "203.0.113.5"),
    ],
)
def test_only_proxies_the_operator_names_are_trusted(
    rf, settings, setting, peer, forwarded, counted
):
    settings.SOUNDINGBOARD_TRUSTED_PROXIES = setting
    request = rf.post(URL, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_id(request) == counted


def test_a_forged_forwarded_address_does_not_escape_the_rate_limit(client, site, settings):
    """A client that sends its own X-Forwarded-For (through a proxy that passes it on, or
    straight to the server) is still counted by its own address."""
    settings.SOUNDINGBOARD_RATE_LIMIT = "2/600"
    replies = [
        post(client, feedback(), X_Forwarded_For=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert replies == [201, 201, 429, 429]


def test_the_rate_limiter_keeps_no_address(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "5/600"
    post(client, feedback(), address="198.51.100.23")
    keys = list(caches[ratelimit.CACHE_ALIAS]._cache)
    assert keys and not any("198.51.100" in key for key in keys)
    stored = Response.objects.get()
    assert "198.51.100" not in json.dumps(
        {f.name: str(getattr(stored, f.name)) for f in Response._meta.fields}
    )


def test_no_limit_when_switched_off(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "0"
    assert all(post(client, feedback()).status_code == 201 for _ in range(5))


def test_the_database_store_is_shared_and_purged(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "2/600"
    settings.CACHES = {
        **settings.CACHES,
        ratelimit.CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "soundingboard_rate_limit",
        },
    }
    ratelimit.reset_for_tests()
    assert [post(client, feedback()).status_code for _ in range(3)] == [201, 201, 429]
    # Another process sees the same count: forget the local state, not the table. It
    # deletes expired counters when it first counts in a window.
    caches[ratelimit.CACHE_ALIAS].set("expired", 1, timeout=-10)
    ratelimit._table_made, ratelimit._purged_window = False, None
    assert post(client, feedback()).status_code == 429
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM soundingboard_rate_limit")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1 and "127.0.0.1" not in keys[0]


def test_a_broken_store_lets_submissions_through(client, site, settings):
    settings.SOUNDINGBOARD_RATE_LIMIT = "1/600"
    broken = mock.Mock(**{"add.side_effect": ConnectionError("the cache is down")})
    with mock.patch.object(ratelimit, "caches", {ratelimit.CACHE_ALIAS: broken}):
        assert [post(client, feedback()).status_code for _ in range(2)] == [201, 201]


def test_a_mistyped_limit_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="COUNT/SECONDS"):
        ratelimit.parse_limit("sixty")
    assert ratelimit.parse_limit("60/600") == (60, 600)
    assert ratelimit.parse_limit("0") is None


def preflight(client: Client, origin: str, url: str = URL):
    return client.options(
        url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,idempotency-key",
        },
    )


def test_an_allowed_origin_passes_the_preflight(client, site):
    reply = preflight(client, ORIGIN)
    assert reply.status_code == 200
    assert reply["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in reply["Access-Control-Allow-Methods"]
    allowed_headers = reply["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed_headers and "idempotency-key" in allowed_headers
    assert reply["Access-Control-Max-Age"] == "600"
    assert "origin" in reply["Vary"].lower()
    assert "Access-Control-Allow-Credentials" not in reply
    posted = post(client, feedback(), Origin=ORIGIN)
    assert posted.status_code == 201
    assert posted["Access-Control-Allow-Origin"] == ORIGIN
    # The same origin written with its default port is the same origin.
    assert preflight(client, ORIGIN + ":443")["Access-Control-Allow-Origin"] == ORIGIN + ":443"


def test_a_refused_origin_gets_no_cors_headers_and_its_post_403(client, site):
    reply = preflight(client, OTHER_ORIGIN)
    assert "Access-Control-Allow-Origin" not in reply
    posted = post(client, feedback(), Origin=OTHER_ORIGIN)
    assert posted.status_code == 403
    assert "Access-Control-Allow-Origin" not in posted
    assert posted.json()["errors"][""]
    assert post(client, feedback(), Origin="null").status_code == 403
    assert not Response.objects.exists()


def test_cors_is_only_for_the_intake_api(client, site):
    for url in ("/", "/-/api/openapi.json", "/-/feedback/models/"):
        assert "Access-Control-Allow-Origin" not in preflight(client, ORIGIN, url)


def test_the_sites_own_pages_may_post(client, site):
    assert post(client, feedback(), Origin="http://testserver").status_code == 201


def test_a_closed_consultation_refuses_with_its_date(client, tmp_path, use_consultations):
    folder = write_consultation(
        tmp_path / "closed",
        "title: Closed\nopens: 2019-06-01\ncloses: 2020-01-31\n",
        {"index.md": "# Home\n"},
    )
    use_consultations(folder)
    reply = post(client, feedback(page="/"))
    assert reply.status_code == 403
    assert reply.json() == {"errors": {"": ["This consultation closed on 31 January 2020"]}}
    assert not Response.objects.exists()


def test_a_consultation_not_open_yet_refuses(client, tmp_path, use_consultations):
    folder = write_consultation(
        tmp_path / "later", "title: Later\nopens: 2999-01-01\n", {"index.md": "# Home\n"}
    )
    use_consultations(folder)
    reply = post(client, feedback(page="/"))
    assert reply.status_code == 403
    assert reply.json()["errors"][""] == ["This consultation opens on 1 January 2999"]


@pytest.fixture
def two_sites(tmp_path, use_consultations):
    pages = {"index.md": "# Home\n", "models.md": "# Models\n"}
    first = write_consultation(
        tmp_path / "first", f"title: First\nslug: first\nallowed_origins: [{ORIGIN}]\n", pages
    )
    second = write_consultation(
        tmp_path / "second",
        f"title: Second\nslug: second\nallowed_origins: [{OTHER_ORIGIN}]\n",
        pages,
    )
    return use_consultations(first, second)


def test_several_consultations_need_the_slug(client, two_sites):
    missing = post(client, feedback())
    assert missing.status_code == 400
    assert "first, second" in missing.json()["errors"]["consultation"][0]
    for slug in ("third", ""):
        unknown = post(client, feedback(), url=f"{URL}?consultation={slug}")
        assert unknown.status_code == 404
        assert "consultation" in unknown.json()["errors"]
    named = post(client, feedback(), url=URL + "?consultation=second")
    assert named.status_code == 201
    assert Response.objects.get().consultation == "second"
    # Each consultation allows its own origins.
    assert preflight(client, OTHER_ORIGIN, URL + "?consultation=second")[
        "Access-Control-Allow-Origin"
    ]
    assert "Access-Control-Allow-Origin" not in preflight(
        client, OTHER_ORIGIN, URL + "?consultation=first"
    )
    assert "Access-Control-Allow-Origin" not in preflight(client, OTHER_ORIGIN)


def test_a_database_failure_answers_503_and_stores_nothing(client, site):
    with mock.patch(
        "soundingboard.collect.payloads.store_response",
        side_effect=OperationalError("database is locked"),
    ):
        reply = post(client, feedback())
    assert reply.status_code == 503
    assert reply.json() == {"errors": {"": [NOT_SAVED]}}
    assert reply["Retry-After"]
    assert not Response.objects.exists() and not Contact.objects.exists()


def openapi(client: Client) -> dict:
    reply = client.get("/-/api/openapi.json")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/json"
    assert reply["Cache-Control"] == "public, max-age=300"
    return json.loads(reply.content)


def schema_validator(document: dict, name: str) -> OAS31Validator:
    return OAS31Validator(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    )


def test_the_openapi_description_is_valid_and_specific(client, site):
    document = openapi(client)
    validate_openapi(document)
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/-/api/intake"]["post"]
    assert set(operation["responses"]) >= {
        "200",
        "201",
        "400",
        "403",
        "404",
        "405",
        "413",
        "415",
        "429",
        "503",
    }
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["consultation"]["required"] is False
    assert parameters["Idempotency-Key"]["schema"]["maxLength"] == 200
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "tab"
    schemas = document["components"]["schemas"]
    assert schemas["Role"]["enum"] == DEFAULT_ROLES
    assert schemas["Nature"]["enum"] == ["", *DEFAULT_NATURES]
    assert "Data tool collaboration" in schemas["IdeaName"]["enum"]
    summary = schemas["PageFeedback"]["properties"]["summary"]
    assert (summary["minLength"], summary["maxLength"]) == (5, LIMITS["summary"])
    assert schemas["MainFeedback"]["properties"]["comments"]["maxLength"] == LIMITS["comments"]

    # The payloads of the seeds' README fit the schemas, and so do the replies.
    body_validator = OAS31Validator({**body, "components": document["components"]})
    body_validator.validate(feedback())
    body_validator.validate(main_feedback())
    assert not body_validator.is_valid(feedback(role="Astronaut"))
    assert not body_validator.is_valid({"tab": "Other"})
    schema_validator(document, "Accepted").validate(post(client, feedback()).json())
    schema_validator(document, "Errors").validate(post(client, feedback(summary="x")).json())


def test_the_openapi_description_names_the_consultations(client, two_sites):
    document = openapi(client)
    validate_openapi(document)
    operation = document["paths"]["/-/api/intake"]["post"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "consultation")
    assert parameter["required"] is True
    assert parameter["schema"]["enum"] == ["first", "second"]
    # Neither has a main questionnaire, so only page feedback is described.
    assert "MainFeedback" not in document["components"]["schemas"]
    # One consultation's own description, for an instance serving several.
    reply = client.get("/-/api/openapi.json?consultation=second")
    assert reply.status_code == 200
    one = json.loads(reply.content)
    validate_openapi(one)
    parameter = next(
        p
        for p in one["paths"]["/-/api/intake"]["post"]["parameters"]
        if p["name"] == "consultation"
    )
    assert (parameter["required"], parameter["schema"]["enum"]) == (True, ["second"])
    assert one["info"]["title"].startswith("Second")
    assert client.get("/-/api/openapi.json?consultation=third").status_code == 404


def test_the_summary_pattern_counts_as_the_form_does(client, site):
    """The schema's pattern for the summary accepts exactly what the form accepts."""
    document = openapi(client)
    summary = schema_validator(document, "PageFeedback")
    texts = ["abcde", "a b c", "  abcd  ", "\babcde", "abcd\b", " \x00ab\x01cde ", "\x1c abcd"]
    texts += ["\u200b" * 6, "ab\u200bcd", "ab\u200bcde", "\u202e\u202eabcde", "\u3164" * 5]
    texts += ["a b c d e", "\U000e0001abcd", "abcd\U000e0020e", "\U0001f600" * 5]
    for text in texts:
        form_accepts = post(client, feedback(summary=text)).status_code == 201
        assert summary.is_valid(feedback(summary=text)) == form_accepts, repr(text)


def test_six_zero_width_spaces_are_not_a_summary(client, site):
    """They once passed the 5-character minimum."""
    reply = post(client, feedback(summary="\u200b" * 6))
    assert reply.status_code == 400
    assert json.loads(reply.content)["errors"]["summary"] == [
        "Summary must be 5 characters or more"
    ]
