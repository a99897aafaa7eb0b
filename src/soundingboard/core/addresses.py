"""Where soundingboard's own pages live: under `/-/`, out of every consultation's way.

A Markdown page's address and a consultation's slug always start with a letter or a digit,
so nothing a consultation folder holds can land on `-/`. See `soundingboard.urls`.
"""

PLATFORM = "-/"
# The API's first addresses, given to other systems before /-/, which still answer.
FIRST_API_ADDRESSES = frozenset({"/api/intake", "/api/openapi.json"})


def is_api_address(path: str) -> bool:
    """Whether an address is the API's: its errors are answered in JSON."""
    return path.startswith(f"/{PLATFORM}api/") or path in FIRST_API_ADDRESSES
