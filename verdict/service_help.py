"""The help of ``verdict run | ingress | worker``: what each does, its port, the variables that
matter to it and its exit status, in the layout of the tools operators know (git, kubectl).

Defaults are read from :class:`shared.settings.Settings`, so the help cannot drift from them.
"""

from __future__ import annotations

import argparse
import textwrap

from shared.settings import Settings

_DEFAULTS = Settings()
# Help is printed as written (its sections are laid out by hand), wrapped to this width.
_WIDTH = 88

_EXIT_STATUS = """\
exit status:
  0  stopped by SIGTERM or SIGINT (Ctrl-C), after draining; a second signal stops at once
  1  could not listen (the port is taken, or the address is not this host's), or failed
  2  bad configuration (the message names the setting)"""

_SETTINGS_NOTE = """\
Settings come from VERDICT_* variables over a TOML file (--config FILE, or VERDICT_CONFIG; its
keys are the names in lower case, without VERDICT_). Every setting: README.md, "Configuration"."""


def _variables(*rows: tuple[str, str]) -> str:
    """An "environment:" section: each setting's variable, what it does and its default."""
    lines = ["environment:"]
    for field, meaning in rows:
        variable = f"VERDICT_{field.upper()}"
        default = getattr(_DEFAULTS, field, None)
        shown = _shown(default)
        text = f"{meaning} (default {shown})" if shown is not None else meaning
        lines.append(
            textwrap.fill(
                text,
                _WIDTH,
                initial_indent=f"  {variable:<26}",
                subsequent_indent=" " * 28,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def _shown(default: object) -> str | None:
    if isinstance(default, tuple):
        return ",".join(default)
    if isinstance(default, float):
        return f"{default:g}"
    return None if default is None else str(default)


_BROKER = (
    ("amqp_url", "the broker; several addresses separated by commas"),
    ("namespace", "prefix of every exchange and queue name"),
    ("vendors", "the vendors, each with its endpoint and queue"),
)
_INGRESS = (
    ("http_host", "address to listen on"),
    ("http_port", "port to listen on"),
    ("<vendor>_auth", "each vendor's authentication: required (docs/integrators.md)"),
    ("max_body_bytes", "larger bodies are answered 413"),
)
_WORKER_HTTP = (
    ("http_host", "address to listen on"),
    ("worker_http_port", "port to listen on, for health and metrics"),
)
_WORKER = (("prefetch", "messages a worker holds unacknowledged, per vendor queue"),)
_STOPPING = (
    ("drain_timeout", "seconds to finish the work in flight when stopping"),
    ("log_level", "debug, info, warning or error"),
)

_INGRESS_PORT = f"""\
listens on VERDICT_HTTP_HOST:VERDICT_HTTP_PORT ({_DEFAULTS.http_host}:{_DEFAULTS.http_port}):
  POST /webhooks/<vendor>   a vendor's webhook: 202 once stored, 503 + Retry-After if not
  GET  /healthz             200 while the process runs
  GET  /readyz              200 while connected to the broker and taking webhooks
  GET  /metrics             Prometheus metrics"""

_WORKER_PORT = f"""\
listens on VERDICT_HTTP_HOST:VERDICT_WORKER_HTTP_PORT ({_DEFAULTS.http_host}:\
{_DEFAULTS.worker_http_port}):
  GET  /healthz             200 while the process runs
  GET  /readyz              200 while connected to the broker and consuming
  GET  /metrics             Prometheus metrics"""

_HELP = {
    "run": (
        "run the ingress and a worker in one process (development, small installations)",
        "Run the HTTP ingress and a worker in one process: webhooks in on one port, outcome "
        "events out on the broker. For a laptop or a small installation; in production run "
        "'verdict ingress' and 'verdict worker' apart, as many of each as needed. Runs until "
        "SIGTERM or Ctrl-C, then drains both and exits.",
        f"{_INGRESS_PORT}\n  (no worker port: the ingress's /metrics has the worker's too)\n\n"
        f"{_variables(*_BROKER, *_INGRESS, *_WORKER, *_STOPPING)}\n\n{_EXIT_STATUS}\n\n"
        "examples:\n"
        "  verdict --config examples/dev.toml run     # development: no vendor authentication\n"
        "  VERDICT_HTTP_PORT=9000 verdict run\n\n"
        f"{_SETTINGS_NOTE}",
    ),
    "ingress": (
        "run the HTTP ingress: receives vendors' webhooks and stores them on RabbitMQ",
        "Run the HTTP ingress. Vendors post their webhooks to it; each is authenticated, "
        "published to the broker, and answered 202 only once the broker has confirmed it (503 "
        "with Retry-After when it was not stored, so the vendor sends it again). Stateless: run "
        "as many as needed. Runs until SIGTERM or Ctrl-C, then stops accepting connections, "
        "answers the requests in flight and exits.",
        f"{_INGRESS_PORT}\n\n{_variables(*_BROKER, *_INGRESS, *_STOPPING)}\n\n{_EXIT_STATUS}\n\n"
        "examples:\n"
        "  verdict ingress --config /etc/verdict/verdict.toml\n"
        "  VERDICT_HTTP_PORT=9000 verdict ingress\n\n"
        f"{_SETTINGS_NOTE}",
    ),
    "worker": (
        "run a worker: turns the stored webhooks into outcome events",
        "Run a worker. It consumes every vendor's queue, turns each webhook into an outcome "
        "event (or a dead letter, with the reason) and acknowledges it only once the broker has "
        "confirmed what it published. Run as many as needed. Runs until SIGTERM or Ctrl-C, then "
        "stops taking messages, finishes those it holds and leaves the rest to the broker.",
        f"{_WORKER_PORT}\n\n{_variables(*_BROKER, *_WORKER_HTTP, *_WORKER, *_STOPPING)}\n\n"
        f"{_EXIT_STATUS}\n\n"
        "examples:\n"
        "  verdict worker --config /etc/verdict/verdict.toml\n"
        "  VERDICT_WORKER_HTTP_PORT=9001 verdict worker\n\n"
        f"{_SETTINGS_NOTE}",
    ),
}


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, (summary, description, epilog) in _HELP.items():
        commands.add_parser(
            name,
            help=summary,
            description=textwrap.fill(description, _WIDTH),
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
