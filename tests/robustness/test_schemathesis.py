"""Schemathesis against the intake API's own OpenAPI description (/-/api/openapi.json), in
process through the WSGI application: requests made from the description, valid and not,
must never meet a server error, and every answer must be one the description documents, in
the shape and with the headers it documents; valid data is accepted and invalid refused.

(Schemathesis's strategies are used with Hypothesis's `@given` directly: its pytest plugin's
lazy schemas do not work with pytest 9.)"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import event, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from soundingboard.collect.models import Response
from soundingboard.collect.openapi import summary_pattern

from .checks import assert_nothing_unchecked_stored
from .stored import rolled_back

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def invalid_data_refused(ctx, response, case):  # type: ignore[no-untyped-def]
    """Schemathesis's `negative_data_rejection`, with 413 (too large) as a refusal too."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


def valid_data_accepted(ctx, response, case):  # type: ignore[no-untyped-def]
    """Schemathesis's `positive_data_acceptance`, for bodies that really keep to the
    description: its generator can break the summary's pattern (at least 5 characters that
    show) with characters outside the Basic Multilingual Plane, and such a body is refused,
    rightly, for its summary."""
    body = case.body if isinstance(case.body, dict) else {}
    summary = body.get("summary")
    if isinstance(summary, str) and not re.match(summary_pattern(), summary):
        return None
    return positive_data_acceptance(ctx, response, case)


EXTRA = {
    GenerationMode.POSITIVE: [valid_data_accepted],
    GenerationMode.NEGATIVE: [invalid_data_refused],
}


@pytest.fixture
def application():
    """The WSGI application, without closing the test's database connection after each
    request (as Django's test client does too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_description(example, application, mode):
    schema = schemathesis.openapi.from_wsgi("/-/api/openapi.json", application)

    @given(case=schema.as_strategy(generation_mode=mode))
    def call(case):
        with rolled_back():
            before = Response.objects.count()
            # The WSGI transport hands the checks the body as sent, undecoded: asking for it
            # uncompressed keeps a long error message (compressed by core.compression) readable.
            reply = case.call_and_validate(
                headers={"Accept-Encoding": "identity"}, checks=CHECKS + EXTRA[mode]
            )
            stored = Response.objects.count() - before
            event(str(reply.status_code))
            assert stored == (1 if reply.status_code == 201 else 0)
            assert_nothing_unchecked_stored(example)

    call()
