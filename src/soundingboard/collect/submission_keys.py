"""What makes a form's submission the same submission when it is sent again.

A form sent twice (a double click, a resend after a lost connection, Back and send) must be
stored once, and two people's submissions never as one. The token in a rendered form was
enough for that while every visitor got a form of their own; a content page is now cached
and shared (core.shared_cache), so many visitors may send the same token. The key stored is
therefore the token's random part together with what was sent and the client it came from
(core.client_address): the same answers from the same client through the same rendered
form are one submission; anything different is another. The key is a keyed hash: it holds
neither the answers nor the address.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.utils.crypto import salted_hmac

_SALT = "soundingboard.collect.submission-key"
PREFIX = "form:"
# The stored column holds 64 characters.
_DIGEST_CHARACTERS = 64 - len(PREFIX)


def form_submission_key(
    form_key: str | None, answers: Mapping[str, object], client: str
) -> str | None:
    """The key that a repeat of this submission shares, or None without a form token."""
    if not form_key:
        return None
    canonical = json.dumps(
        [form_key, client, sorted((name, str(value)) for name, value in answers.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (
        PREFIX + salted_hmac(_SALT, canonical, algorithm="sha256").hexdigest()[:_DIGEST_CHARACTERS]
    )
