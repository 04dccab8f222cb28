"""Every refusal the ingress makes is a small JSON object with a stable ``error`` code."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web
from aiohttp.typedefs import Handler

# aiohttp's own refusals (no route, wrong method, body too large) get the same JSON shape.
_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def json_answer(status: int, data: dict[str, Any], **headers: str) -> web.Response:
    """A small JSON answer (msgspec: every webhook gets one, so the encoder is on the hot path)."""
    return web.Response(
        body=msgspec.json.encode(data),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return json_answer(status, {"error": code, "message": message}, **headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        code = _CODES.get(exc.status, "http_error")
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return error(exc.status, code, exc.reason, **headers)
