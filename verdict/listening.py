"""Opening a service's HTTP port, and saying plainly why it could not be opened.

A port another process holds, an address this host does not have, a port below 1024 without the
privilege: each stops the process at once, with a message naming the address and the setting to
change (not a traceback, and not a process left running without its port).
"""

from __future__ import annotations

import errno
import os
import socket

from aiohttp import web


class CannotListen(Exception):
    """A service's port could not be opened; ``str()`` is the message for the operator."""


async def listen(
    runner: web.AppRunner, host: str, port: int, *, service: str, port_variable: str
) -> web.TCPSite:
    """Serve ``runner`` on ``host:port``. ``port_variable`` is the setting that chose the port
    (VERDICT_HTTP_PORT or VERDICT_WORKER_HTTP_PORT); raises :class:`CannotListen`."""
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        raise CannotListen(_explain(exc, service, host, port, port_variable)) from None
    return site


def _explain(exc: OSError, service: str, host: str, port: int, port_variable: str) -> str:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        advice = f"Another process holds that port: stop it, or set {port_variable} to a free one."
    elif exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        advice = (
            f"{host} is not an address of this host: set VERDICT_HTTP_HOST to one of its "
            "addresses, or to 0.0.0.0 for all of them."
        )
    elif exc.errno == errno.EACCES:
        advice = f"Ports below 1024 need privileges: set {port_variable} to a port above 1023."
    else:
        advice = f"Check VERDICT_HTTP_HOST and {port_variable}."
    in_a_file = port_variable.removeprefix("VERDICT_").lower()
    return (
        f"the {service} cannot listen on {address}: {_reason(exc)}. {advice} (Address and port: "
        f"VERDICT_HTTP_HOST and {port_variable}; http_host and {in_a_file} in a --config file.)"
    )


def _reason(exc: OSError) -> str:
    # uvloop's message repeats the address; the errno's own words are enough. getaddrinfo's
    # errors have negative codes of their own, and say it in strerror.
    if exc.errno and exc.errno > 0:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)
