"""How a webhook's POST reaches its receiver without being turned against the inside network.

The host is resolved once, every address is checked (`destinations.checked_addresses`), and
the connection is made to one of those checked addresses: a name that answers differently a
moment later (DNS rebinding) cannot move the connection elsewhere. Only the TCP connection
changes: the request, its Host header, TLS's SNI and certificate check all keep the name from
the URL, because the check sits in the network backend that httpcore connects through.

When HTTP_PROXY / HTTPS_PROXY / ALL_PROXY applies to a URL (and NO_PROXY does not exclude
it), the proxy makes the connection: Tocsin checks the name's addresses as it resolves them,
then hands the request to the proxy, which resolves the name again by itself.
"""

import time
import urllib.request

import httpcore
import httpx

from . import destinations


class UnresolvedName(httpcore.ConnectError):
    """httpx reports it as a ConnectError whose __cause__ is this."""


class CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses `destinations` allows, and to no other than the ones checked."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = destinations.checked_addresses(host, port)
        except destinations.Unresolved as error:
            raise UnresolvedName(str(error)) from None
        deadline = None if timeout is None else time.monotonic() + timeout
        failure: Exception | None = None
        for address in addresses:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            try:
                return super().connect_tcp(
                    address,
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                if deadline is not None and time.monotonic() >= deadline:
                    break
        raise failure


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport (TLS verified with the usual SSL_CERT_FILE / SSL_CERT_DIR),
    connecting through CheckedBackend."""

    def __init__(self):
        super().__init__(trust_env=True)
        # httpx has no argument for the network backend: its connection pool is replaced by an
        # equal one that has it. tests/webhooks/test_destinations.py fails if this stops working.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=True),
            network_backend=CheckedBackend(),
        )


def proxy_for(url: httpx.URL) -> str | None:
    """The proxy the environment names for `url`, unless NO_PROXY excludes its host."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(url.host, proxies):
        return None
    return proxy


def client(*, proxy: str | None, timeout: float) -> httpx.Client:
    """A client that never follows redirects; direct ones connect through CheckedBackend."""
    if proxy is None:
        return httpx.Client(transport=CheckedTransport(), timeout=timeout, follow_redirects=False)
    return httpx.Client(proxy=proxy, timeout=timeout, follow_redirects=False)
