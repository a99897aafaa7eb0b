"""Per-client rate limits that keep no IP address.

A fixed window: each client may send `count` submissions every `seconds` seconds
(`SOUNDINGBOARD_RATE_LIMIT`, "60/600" by default; "0" turns the limit off). The default is
generous because many respondents can share one address, such as a council's.

The counter for a client is kept in Django's cache under an HMAC of the client's address,
keyed with SECRET_KEY and the number of the current window: the address itself is never
stored, and each window has new keys, set to expire when their window ends.

Where the counters live (`SOUNDINGBOARD_RATE_LIMIT_STORE`):
- "memory" (the default): in each worker process's memory. Nothing is written anywhere, but
  each gunicorn worker counts on its own, so a client whose requests are spread over N
  workers may send up to N times the limit.
- "database": in a table of the site's database (Django's database cache), shared by every
  worker and every machine. Costs one more write per submission; meant for several machines
  on PostgreSQL. The table is made on first use, and expired counters are deleted once per
  window. Counting is approximate under concurrent requests.

If the store fails, the submission is let through (and the failure logged): a limiter must
never cost a respondent their answer.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from ..core.client_address import client_id

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache
    from django.core.cache.backends.db import DatabaseCache

logger = logging.getLogger(__name__)

CACHE_ALIAS = "ratelimit"
_SALT = "soundingboard.ratelimit"


@lru_cache(maxsize=8)
def parse_limit(text: str) -> tuple[int, int] | None:
    """ "COUNT/SECONDS" as (count, seconds), or None for "0" or "off" (no limit)."""
    text = text.strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    count, _, seconds = text.partition("/")
    try:
        limit = int(count), int(seconds)
    except ValueError:
        limit = (0, 0)
    if limit[0] < 1 or limit[1] < 1:
        raise ImproperlyConfigured(
            f"SOUNDINGBOARD_RATE_LIMIT is {text!r}: write COUNT/SECONDS such as 60/600, or 0 "
            "for no limit"
        )
    return limit


def configured_limit() -> tuple[int, int] | None:
    return parse_limit(str(settings.SOUNDINGBOARD_RATE_LIMIT))


def check_rate(request: HttpRequest, *, scope: str = "submit") -> int | None:
    """Count one request from this client; the seconds it must wait when over the limit.

    Returns None when the request may go ahead (also when there is no limit, or when the
    store failed). Requests with the same `scope` share a counter.
    """
    limit = configured_limit()
    if limit is None:
        return None
    count, period = limit
    now = time.time()
    window = int(now // period)
    remaining = max(1, math.ceil((window + 1) * period - now))
    digest = salted_hmac(_SALT, f"{scope}|{period}|{window}|{client_id(request)}").hexdigest()
    key = f"rl:{digest}"
    try:
        cache = caches[CACHE_ALIAS]
        _prepare_database_store(cache, window)
        cache.add(key, 0, timeout=remaining)
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=remaining)
            hits = 1
    except Exception:
        logger.exception("The rate limiter's store failed; letting the request through")
        return None
    return remaining if hits > count else None


_prepared_lock = threading.Lock()
_table_made = False
_purged_window: int | None = None


def _prepare_database_store(cache: BaseCache, window: int) -> None:
    """For the database store: make its table once per process, and delete expired
    counters once per window, so that no key outlives its window for long."""
    from django.core.cache.backends.db import DatabaseCache

    global _table_made, _purged_window
    if not isinstance(cache, DatabaseCache) or (_table_made and _purged_window == window):
        return
    with _prepared_lock:
        if not _table_made:
            from django.core.management import call_command

            call_command("createcachetable", verbosity=0)
            _table_made = True
        if _purged_window != window:
            _delete_expired(cache)
            _purged_window = window


def _delete_expired(cache: DatabaseCache) -> None:
    from django.db import connections, router
    from django.utils import timezone

    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    table = connection.ops.quote_name(cache._table)  # type: ignore[attr-defined]  # set in __init__; not in the stubs
    now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])


def reset_for_tests() -> None:
    """Forget the counters kept in memory, and that the database store's table was made
    (tests roll back the database, table and all)."""
    from django.core.cache.backends.db import DatabaseCache

    global _table_made, _purged_window
    with _prepared_lock:
        _table_made, _purged_window = False, None
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, DatabaseCache):
        cache.clear()
