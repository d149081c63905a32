"""Where a webhook may be sent: not to an internal address unless an admin allows it.

Anyone who manages a webhook chooses its URL, and the worker POSTs to it from inside the
network. Without this check a team lead could point a webhook at the cloud metadata service,
a database's HTTP port or an admin interface on localhost, and read the answers in the delivery
log. So the host is checked when a webhook is saved (as written: numbers in every spelling the C
resolver accepts, `localhost`, the metadata names), and every address it resolves to is checked
again when a delivery is sent (`tocsin/webhooks/transport.py` then connects to one of those
very addresses).

TOCSIN_WEBHOOK_ALLOW_PRIVATE allows every address; TOCSIN_WEBHOOK_ALLOWED_NETWORKS allows the
addresses in a comma-separated list of networks (`127.0.0.0/8,10.1.0.0/16`).
"""

import ipaddress
import re
import socket
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ADVICE = (
    "webhooks are not sent to internal addresses unless an admin allows it "
    "(TOCSIN_WEBHOOK_ALLOWED_NETWORKS)"
)

# The instance metadata services of the clouds, which hand out credentials: AWS, GCP, Azure,
# OpenStack, DigitalOcean, Oracle (169.254.169.254 and AWS's IPv6 fd00:ec2::254), the ECS and
# EKS credential endpoints, Alibaba (100.100.100.200), Oracle's older 192.0.0.192, and Azure's
# WireServer (168.63.129.16, which is otherwise a public address).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.170.23",
        "fd00:ec2::254",
        "fd00:ec2::23",
        "100.100.100.200",
        "192.0.0.192",
        "168.63.129.16",
    )
)
# Names that mean an address without asking DNS: RFC 6761 loopback names and the metadata names.
SPECIAL_NAMES = {
    "localhost": "127.0.0.1",
    "localhost.localdomain": "127.0.0.1",
    "ip6-localhost": "::1",
    "ip6-loopback": "::1",
    "metadata.google.internal": "169.254.169.254",
    "metadata.goog": "169.254.169.254",
}

_RFC1918 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """A destination Tocsin does not send to; `reason` says which address and why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    allow_all: bool
    networks: tuple[Network, ...]

    def allows(self, address: Address) -> bool:
        if self.allow_all:
            return True
        candidates = [address, _embedded(address)]
        return any(a in network for a in candidates if a is not None for network in self.networks)


YES = {"1", "true", "yes", "on"}
NO = {"", "0", "false", "no", "off"}


def _allow_all(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in YES | NO:
        return text in YES
    raise ImproperlyConfigured(
        "TOCSIN_WEBHOOK_ALLOW_PRIVATE must be 1, true, yes or on (allow every internal address) "
        f"or 0, false, no, off or empty (allow none), not {value!r}"
    )


def _networks(value) -> tuple[Network, ...]:
    networks = []
    for item in str(value or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=True))
        except ValueError as error:
            problem = (
                f"{item!r} has host bits set (the network is written with its first address, "
                f"e.g. {ipaddress.ip_network(item, strict=False)})"
                if "has host bits set" in str(error)
                else f"{item!r} is not a network such as 10.1.0.0/16 or fd00::/8"
            )
            raise ImproperlyConfigured(
                f"TOCSIN_WEBHOOK_ALLOWED_NETWORKS: {problem}; give networks in CIDR notation, "
                "separated by commas"
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _policy(allow_private, allowed_networks) -> Policy:
    return Policy(allow_all=_allow_all(allow_private), networks=_networks(allowed_networks))


def policy() -> Policy:
    """The admin's choice, from the settings (read each time, so a test may change them)."""
    return _policy(
        getattr(settings, "WEBHOOK_ALLOW_PRIVATE", ""),
        getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ""),
    )


def check_settings() -> None:
    """Raise ImproperlyConfigured, naming the variable and the bad value; run at start."""
    policy()


# --- What an address is -----------------------------------------------------------------------


def _kind(address: Address) -> str | None:
    """What makes `address` internal ("a loopback address"), or None for a public one."""
    if address in METADATA_ADDRESSES:
        return "the cloud metadata address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in network for network in _RFC1918):
        return "a private address (RFC 1918)"
    if address in _UNIQUE_LOCAL:
        return "a unique local address (fc00::/7)"
    if address in _SHARED:
        return "a shared address (CGNAT, 100.64.0.0/10)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "not a public internet address"
    return None


def _embedded(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address that an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6
    address reaches; a connection to it goes there."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def internal(address: Address) -> tuple[Address, str] | None:
    """(the internal address, what it is) if Tocsin will not send to `address`, else None.

    For an IPv4-mapped or NAT64 address that is the IPv4 address it reaches; a 6to4 one
    (2002::/16) is refused when the IPv4 address inside it is internal.
    """
    if policy().allows(address):
        return None
    embedded = _embedded(address)
    if embedded is not None:
        kind = _kind(embedded)
        return None if kind is None else (embedded, kind)
    if isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None:
        kind = _kind(address.sixtofour)
        if kind is not None:
            return address.sixtofour, kind
    kind = _kind(address)
    return None if kind is None else (address, kind)


def _is(written: str, address: Address, kind: str) -> str:
    """ "10.0.0.1 is a private address", "0x7f000001 is 127.0.0.1, a loopback address"."""
    if written == str(address):
        return f"{written} is {kind}"
    return f"{written} is {address}, {kind}"


# --- Hosts as written in a URL ----------------------------------------------------------------

_NUMBER = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def _ipv4_number(part: str) -> int | None:
    """One part of an IPv4 address as the C resolver reads it: 0x… hex, 0… octal, decimal."""
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if all(c in "01234567" for c in part) else None
    return int(part) if part.isdigit() else None


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """`host` read like inet_aton does: 127.1, 0x7f000001, 2130706433, 0177.0.0.1; else None."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.match(part) for part in parts):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def normalise(host: str) -> str:
    """The host as a resolver sees it: IDNA-mapped (fullwidth digits and dots included), lower
    case, brackets and one trailing dot removed."""
    host = host.strip("[]")
    if "%" in host:  # an IPv6 zone (fe80::1%eth0, %25 in a URL) says nothing of the address
        host = host.split("%", 1)[0]
    host = unicodedata.normalize("NFKC", host).replace("\u3002", ".")
    return host.lower().removesuffix(".")


def addresses_in(host: str) -> list[Address] | None:
    """The addresses `host` stands for without asking DNS, or None for a name DNS must answer.

    Raises Refused for a host whose last label is a number but which is not an IP address
    (1.2.3.4.5, 256.0.0.1): resolvers differ on those, so they are not sent to at all.
    """
    name = normalise(host)
    try:
        return [ipaddress.ip_address(name)]
    except ValueError:
        pass
    if name in SPECIAL_NAMES:
        return [ipaddress.ip_address(SPECIAL_NAMES[name])]
    if name.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    last = name.rsplit(".", 1)[-1]
    if _NUMBER.match(last):
        address = parse_ipv4(name)
        if address is None:
            raise Refused(f"{host!r} is not a valid IP address, nor a host name")
        return [address]
    return None


def check_host(host: str) -> None:
    """Raise Refused if the host of a URL, as written, is an internal address (no DNS asked)."""
    written = host.strip("[]")
    for address in addresses_in(host) or []:
        found = internal(address)
        if found is not None:
            raise Refused(f"{_is(written, *found)}: {ADVICE}")


# --- At send time -----------------------------------------------------------------------------


class Unresolved(Exception):
    """The name has no address (or DNS did not answer)."""


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, as the C resolver answers (IP literals included)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unresolved(f"could not resolve {host}: {error}") from None
    return list(dict.fromkeys(answer[4][0] for answer in answers))


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve `host` once and check every address; the ones to connect to, in DNS order.

    Raises Refused if any of them is internal and not allowed (a name that also resolves to
    an internal address is not trusted with the others), Unresolved if there is none.
    """
    check_host(host)
    written = normalise(host)
    addresses = resolve(host, port)
    if not addresses:
        raise Unresolved(f"{host} has no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        found = internal(address)
        if found is not None:
            inner, kind = found
            which = "" if inner == address else f", which is {inner}"
            raise Refused(f"{written} resolves to {address}{which}, {kind}: {ADVICE}")
    return addresses
