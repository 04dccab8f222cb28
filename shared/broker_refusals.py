"""The broker's refusals of a connection, said as what is wrong and which setting to change.

A broker that answers and then refuses us (a wrong password, a virtual host that does not exist,
a user with no permission on it) is not a broker that is down: retrying the same address does
not help until someone changes a setting or the broker's own configuration. aiormq reports these
as ``ProbableAuthenticationError`` and, for the virtual host, as ``InvalidFrameError`` (it
expected ``Connection.OpenOk`` and got the broker's ``Connection.Close``): :func:`refusal` turns
them into a :class:`BrokerRefused` naming the cause. Passwords never appear: the user and the
virtual host are read from the address, and the broker's reply names neither password.
"""

from __future__ import annotations

import aiormq
from pamqp import commands
from yarl import URL

from shared.addresses import redact

# Where the address comes from: the variable, or the key of the config file.
SETTING = "VERDICT_AMQP_URL (amqp_url in the config file)"


class BrokerRefused(ConnectionError):
    """The broker answered and refused the connection; ``event`` names the cause for a log line,
    str() is the detail: what is wrong and what to change; ``broker`` the address, redacted."""

    def __init__(self, event: str, detail: str, broker: str) -> None:
        super().__init__(detail)
        self.event = event
        self.detail = detail
        self.broker = broker  # the address, redacted


def refusal(error: BaseException, url: str) -> BrokerRefused | None:
    """``error``, from connecting to ``url``, as a refusal; None if it is not one (the broker
    did not answer, or went away: worth trying again at once)."""
    user, vhost = _user_and_vhost(url)
    # ProbableAuthenticationError: a 403 in reply to the login (RabbitMQ's ACCESS_REFUSED);
    # AuthenticationError: no login mechanism both sides know.
    login = aiormq.exceptions.ProbableAuthenticationError | aiormq.exceptions.AuthenticationError
    if isinstance(error, login):
        return BrokerRefused("broker_authentication_failed", _authentication(user), redact(url))
    if not isinstance(error, aiormq.exceptions.InvalidFrameError):
        return None
    close = _close_frame(error)
    if close is None:
        if "Connection.Close" not in str(error):
            return None
        reply = "(the broker's reason was not kept by aiormq)"
    else:
        reply = str(close.reply_text)
    if "not found" in reply:
        return BrokerRefused(
            "broker_vhost_not_found",
            f"virtual host {vhost!r} does not exist on the broker: correct the virtual host"
            f" (the path) in {SETTING}, or create it on the broker (rabbitmqctl add_vhost"
            f" {vhost})",
            redact(url),
        )
    if "access to vhost" in reply and "refused" in reply and "limit" not in reply:
        return BrokerRefused(
            "broker_vhost_access_refused",
            f"user {user!r} has no permission on virtual host {vhost!r}: grant it on the broker"
            f" (rabbitmqctl set_permissions -p {vhost} {user} ...; docs/operators.md), or"
            f" change the user or the virtual host in {SETTING}",
            redact(url),
        )
    return BrokerRefused(
        "broker_vhost_refused",
        f"the broker refused to open virtual host {vhost!r} for user {user!r}: {reply}",
        redact(url),
    )


def _authentication(user: str) -> str:
    detail = (
        f"the broker refused the login of user {user!r}: correct the user name or password in"
        f" {SETTING}, or create the user on the broker"
    )
    if user == "guest":  # the reason RabbitMQ gives nobody: guest may log in from localhost only
        detail += " (from another machine, RabbitMQ refuses 'guest' whatever its password)"
    return detail


def _user_and_vhost(url: str) -> tuple[str, str]:
    parsed = URL(url)
    # As aiormq reads them: no user means guest, no path the default virtual host "/".
    vhost = parsed.path[1:].replace("%2F", "/") if parsed.path not in ("", "/") else "/"
    return parsed.user or "guest", vhost


def _close_frame(error: BaseException) -> commands.Connection.Close | None:
    """The broker's ``Connection.Close`` that aiormq received instead of ``Connection.OpenOk``.

    aiormq raises InvalidFrameError with the frame's repr only (no reply code or text); the frame
    itself is still a local (``frame``) of the function that raised, in the traceback. Read, never
    changed; None when a release of aiormq no longer keeps it there (the detail then says so, and
    tests/integration/test_broker_refusals.py fails by name).
    """
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame.f_locals.get("frame")
        if isinstance(frame, commands.Connection.Close):
            return frame
        traceback = traceback.tb_next
    return None
