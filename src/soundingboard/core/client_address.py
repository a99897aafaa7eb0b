"""The client's network address, as counted by rate limits and sign-in throttling.

Behind a reverse proxy every request comes from the proxy's address, so the client's own
address is read from `X-Forwarded-For`, but only when the peer is a proxy the operator named in
`SOUNDINGBOARD_TRUSTED_PROXIES`: by default none is, since a header any client can send must
not choose the address it is counted by.

`SOUNDINGBOARD_TRUSTED_PROXIES` is a list, separated by commas, of addresses and networks
(`10.0.0.2`, `10.0.0.0/8`), `unix` for a proxy on the same machine that reaches the server
through a unix socket (whose requests have no peer address), or `*` for every peer.
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
    not rewrite it, so when the peer is a trusted proxy (`SOUNDINGBOARD_TRUSTED_PROXIES`) the
    client is the last address in X-Forwarded-For that is not itself a trusted proxy. An IPv6
    client is counted by its /64 network, since one machine usually has a whole /64 to pick
    addresses from.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    peer = _ip(remote_addr)
    if peer is None and not _unix_trusted():
        return remote_addr  # a unix socket's peer, not trusted: every client counts as one
    client = peer
    if peer is None or _trusted(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed([_ip(a) for a in forwarded]):
            if hop is None:
                break
            client = hop
            if not _trusted(hop):
                break
    if client is None:
        return remote_addr
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


def _items() -> set[str]:
    return {item.strip().lower() for item in str(settings.SOUNDINGBOARD_TRUSTED_PROXIES).split(",")}


def _unix_trusted() -> bool:
    return bool(_items() & {"unix", "*"})


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if "*" in _items():
        return True
    setting = str(settings.SOUNDINGBOARD_TRUSTED_PROXIES)
    return any(address in network for network in _proxy_networks(setting))
