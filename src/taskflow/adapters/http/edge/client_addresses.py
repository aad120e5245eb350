"""Who is calling: the peer address (and scheme), or what a trusted proxy says the client's were."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from litestar.connection import ASGIConnection

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Networks:
    """IPs and CIDRs, as the settings name them (`TASKFLOW_TRUSTED_PROXIES`, `TASKFLOW_METRICS_ALLOWED`)."""

    members: tuple[_Network, ...]

    @classmethod
    def of(cls, networks: Iterable[str]) -> Networks:
        return cls(tuple(ipaddress.ip_network(network, strict=False) for network in networks))

    def __contains__(self, address: object) -> bool:
        try:
            parsed = ipaddress.ip_address(str(address))
        except ValueError:
            return False
        return any(parsed in network for network in self.members)


@dataclass(frozen=True, slots=True)
class ClientAddresses:
    """`X-Forwarded-For` is believed only from a trusted proxy, and then only its last entry.

    Earlier entries come from the client and can say anything; the last one is what the
    proxy itself saw (OWASP, MDN "X-Forwarded-For": "the rightmost IP address").
    """

    trusted: Networks

    @classmethod
    def trusting(cls, networks: Iterable[str]) -> ClientAddresses:
        return cls(Networks.of(networks))

    def of(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        peer = connection.client.host if connection.client else ""
        if peer not in self.trusted:
            return peer or "unknown"
        forwarded = connection.headers.getall("x-forwarded-for", [])
        hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
        if not hops:
            return peer
        try:
            return str(ipaddress.ip_address(hops[-1]))
        except ValueError:
            return peer

    def over_https(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        """Reached over HTTPS: taskflow's own scheme, or a trusted proxy's `X-Forwarded-Proto` (its last entry)."""
        if connection.url.scheme == "https":
            return True
        peer = connection.client.host if connection.client else ""
        if peer not in self.trusted:
            return False
        forwarded = connection.headers.get("x-forwarded-proto", "")
        return forwarded.rsplit(",", 1)[-1].strip().lower() == "https"
