"""structlog, configured once: JSON lines off a terminal, readable console output on one.

Per-request and per-message ids are bound with ``structlog.contextvars``; nothing logs a body,
a secret or personal data — callers pass ids, sizes and outcomes only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import structlog
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

# Anything msgspec cannot encode natively is logged as its str().
_encoder = msgspec.json.Encoder(enc_hook=str)


def _json_line(event: dict[str, Any], **_: object) -> bytes:
    # One line per request and per message: msgspec writes it in a fraction of json.dumps' time.
    return _encoder.encode(event)


def configure(level: str = "info", *, json: bool | None = None) -> None:
    json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.typing.Processor
    factory: structlog.typing.WrappedLogger
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
        factory = structlog.BytesLoggerFactory(sys.stderr.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer()
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
    # aio-pika and aiohttp log through the standard library: keep their warnings, in one stream.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")
    logging.getLogger("aiohttp.server").addFilter(shorten_bad_requests)


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
