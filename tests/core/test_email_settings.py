"""SOUNDINGBOARD_EMAIL_URL becomes Django's email settings, or a clear refusal."""

from __future__ import annotations

import pytest

from soundingboard.core.email_settings import (
    NOTIFY_API,
    NOTIFY_BACKEND,
    SMTP_BACKEND,
    EmailUrlError,
    email_settings,
)


def test_no_url_means_no_email():
    assert email_settings("") == {}
    assert email_settings("   ") == {}


def test_smtp_with_a_user_uses_starttls_on_the_submission_port():
    got = email_settings("smtp://mailer:s3cret@mail.example.org")
    assert got["EMAIL_BACKEND"] == SMTP_BACKEND
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"]) == ("mail.example.org", 587)
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")
    assert (got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (True, False)
    assert got["EMAIL_TIMEOUT"] == 10


def test_smtps_is_tls_from_the_start_on_465():
    got = email_settings("smtps://u:p@mail.example.org")
    assert got["EMAIL_PORT"] == 465
    assert (got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (False, True)


def test_options_and_percent_encoded_credentials():
    got = email_settings(
        "smtp://me%40example.org:p%3Ass%2Fw%40rd@127.0.0.1:2525"
        "?starttls=no&timeout=3&certfile=/etc/c.pem&keyfile=/etc/k.pem"
    )
    assert got["EMAIL_HOST_USER"] == "me@example.org"
    assert got["EMAIL_HOST_PASSWORD"] == "p:ss/w@rd"
    assert got["EMAIL_PORT"] == 2525
    assert got["EMAIL_USE_TLS"] is False
    assert got["EMAIL_TIMEOUT"] == 3
    assert (got["EMAIL_SSL_CERTFILE"], got["EMAIL_SSL_KEYFILE"]) == ("/etc/c.pem", "/etc/k.pem")


def test_notify():
    got = email_settings("notify://team-1234-abcd@/f33517ff-2a88-4f6e-b855-c550268ce08a")
    assert got["EMAIL_BACKEND"] == NOTIFY_BACKEND
    assert got["SOUNDINGBOARD_NOTIFY_API_KEY"] == "team-1234-abcd"
    assert got["SOUNDINGBOARD_NOTIFY_TEMPLATE_ID"] == "f33517ff-2a88-4f6e-b855-c550268ce08a"
    assert got["SOUNDINGBOARD_NOTIFY_BASE_URL"] == NOTIFY_API


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "must start with smtp://, smtps:// or notify://"),
        ("smtp://", "names no mail server"),
        ("smtp://mail.example.org:port", "port that is not a number"),
        ("smtp://mail.example.org?starttls=maybe", "starttls must be yes or no"),
        ("smtp://mail.example.org?timeout=0", "timeout must be a whole number"),
        ("smtp://mail.example.org?tls=1", "unknown options: tls"),
        ("notify://key@/", "notify://API_KEY@/TEMPLATE_ID"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url, message):
    with pytest.raises(EmailUrlError, match=message):
        email_settings(url)


def test_a_refusal_never_repeats_the_password():
    with pytest.raises(EmailUrlError) as caught:
        email_settings("smtp://user:hunter2@mail.example.org:bad")
    assert "hunter2" not in str(caught.value)
