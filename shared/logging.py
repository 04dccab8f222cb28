"""structlog, configured once: JSON lines off a terminal, readable console output on one.

Per-request and per-message ids are bound with ``structlog.contextvars``; nothing logs a body,
a secret or personal data — callers pass ids, sizes and outcomes only.

The libraries (aiormq, aio-pika, aiohttp, asyncio) log through the standard library: their
records go through the same renderer (``structlog.stdlib.ProcessorFormatter``), so every line
on stderr has the same shape, with ``logger`` naming the library's logger.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import msgspec
import structlog
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

# Anything msgspec cannot encode natively is logged as its str().
_encoder = msgspec.json.Encoder(enc_hook=str)

# Marks the handler configure() put on the root logger, so that configuring again replaces it.
_HANDLER_NAME = "verdict"

# The password of any URL in a library's words (aiormq and aio-pika print a connection's address,
# masked by themselves today as "******"; what a future version or an exception says is not ours
# to trust). A password cannot hold an unencoded "@", so the first one ends it.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):[^@\s]*@")


def _json_line(event: dict[str, Any], **_: object) -> bytes:
    # One line per request and per message: msgspec writes it in a fraction of json.dumps' time.
    return _encoder.encode(event)


def _json_text(event: dict[str, Any], **_: object) -> str:
    # The standard library's handler writes text.
    return _encoder.encode(event).decode()


def configure(level: str = "info", *, json: bool | None = None) -> None:
    json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.typing.Processor
    library_renderer: structlog.typing.Processor
    factory: structlog.typing.WrappedLogger
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
        library_renderer = structlog.processors.JSONRenderer(serializer=_json_text)
        factory = structlog.BytesLoggerFactory(sys.stderr.buffer)
    else:
        renderer = library_renderer = structlog.dev.ConsoleRenderer()
        factory = structlog.PrintLoggerFactory(sys.stderr)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    _route_standard_library(library_renderer)


def _route_standard_library(renderer: structlog.typing.Processor) -> None:
    """The libraries' records, at WARNING and above, to stderr in the same shape as ours."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                hide_url_passwords,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    # The libraries' warnings and errors only: their info and debug lines are per frame.
    root.setLevel(logging.WARNING)
    # Python's warnings (deprecations) too, as records of the logger "py.warnings".
    logging.captureWarnings(True)
    logging.getLogger("aiohttp.server").addFilter(shorten_bad_requests)


def hide_url_passwords(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Every URL's password in a library's record (message and traceback) replaced by ``***``."""
    for key, value in event.items():
        if isinstance(value, str) and "://" in value:
            event[key] = _URL_PASSWORD.sub(r"\g<head>:***@", value)
    return event


def shorten_bad_requests(record: logging.LogRecord) -> bool:
    """aiohttp logs every request it cannot parse (answered 400) as an error with a traceback,
    and a body it cannot decode again while draining it: any client could fill the log with
    them. Keep one line, saying what was wrong."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, RequestPayloadError):
        error = error.__cause__
    if isinstance(error, HttpProcessingError) and error.code == 400:
        record.msg = f"bad HTTP request answered 400: {error.message.splitlines()[0]}"
        record.args, record.exc_info, record.exc_text = (), None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


def get(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
