"""The client's network address, as counted by rate limits and sign-in throttling.

Behind a reverse proxy every request comes from the proxy's address, so the client's own
address is read from `X-Forwarded-For`, but only when the peer is a proxy the operator named in
`SOUNDINGBOARD_TRUSTED_PROXIES`.
"""

from __future__ import annotations

import contextlib
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


def client_id(request: HttpRequest) -> str:
    """The client's address as counted.

    Behind a reverse proxy every request comes from the proxy's address, and gunicorn does
    not rewrite it, so when the peer is a trusted proxy (`FORWARDED_ALLOW_IPS`, as for
    gunicorn) the client is the last address in X-Forwarded-For that is not itself a trusted
    proxy. An IPv6 client is counted by its /64 network, since one machine usually has a
    whole /64 to pick addresses from.
    """
    peer = _ip(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return request.META.get("REMOTE_ADDR", "")
    client = peer
    if _trusted(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed([_ip(a) for a in forwarded]):
            if hop is None:
                break
            client = hop
            if not _trusted(hop):
                break
    if isinstance(client, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((client, 64), strict=False))
    return str(client)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=4)
def _proxy_networks(setting: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in setting.split(","):
        with contextlib.suppress(ValueError):
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    setting = str(settings.SOUNDINGBOARD_TRUSTED_PROXIES)
    if setting.strip() == "*":
        return True
    return any(address in network for network in _proxy_networks(setting))
