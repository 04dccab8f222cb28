"""The real broker refusing us: an unknown virtual host, a wrong password, a user with no
permission on the virtual host. Each is named as what it is, with the setting to change and no
password, in the services' log lines (at every attempt, retried less often) and in ``verdict dlq``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from yarl import URL

from shared import broker as broker_module
from shared.addresses import redact
from shared.broker import Broker, connect_failure, connect_first, open_connection
from shared.broker_refusals import BrokerRefused
from shared.settings import Settings
from shared.topology import Topology
from tests.conftest import BrokerUnderTest
from tests.faults.support import environment, finish, free_port, spawn, wait_until

PASSWORD = "wrong-" + secrets.token_hex(8)


@pytest.fixture
def unknown_vhost(amqp_url: str) -> str:
    return str(URL(amqp_url).with_path("/verdict-no-such-vhost"))


@pytest.fixture
def wrong_password(amqp_url: str) -> str:
    return str(URL(amqp_url).with_password(PASSWORD))


@pytest.fixture
def user_without_permissions(rabbitmq: BrokerUnderTest, amqp_url: str) -> Iterator[str]:
    """The broker's address as a user of the test's own with no permission on any vhost; the
    user is deleted after."""
    user, password = f"verdict-test-{secrets.token_hex(4)}", secrets.token_hex(8)
    rabbitmq.rabbitmqctl("add_user", user, password)
    try:
        yield str(URL(amqp_url).with_user(user).with_password(password))
    finally:
        rabbitmq.rabbitmqctl("delete_user", user)


async def refusal_of(url: str) -> BrokerRefused:
    try:
        connection = await open_connection(url, "verdict-test-refusals")
    except BrokerRefused as refused:
        return refused
    await connection.close()
    raise AssertionError(f"the broker took {redact(url)}")


async def test_an_unknown_vhost_is_named_with_the_setting_to_change(unknown_vhost: str) -> None:
    refused = await refusal_of(unknown_vhost)
    assert refused.event == "broker_vhost_not_found"
    assert refused.detail.startswith(
        "virtual host 'verdict-no-such-vhost' does not exist on the broker"
    )
    assert "VERDICT_AMQP_URL" in refused.detail
    assert "rabbitmqctl add_vhost verdict-no-such-vhost" in refused.detail


async def test_a_wrong_password_is_an_authentication_failure_and_never_shown(
    wrong_password: str,
) -> None:
    refused = await refusal_of(wrong_password)
    assert refused.event == "broker_authentication_failed"
    user = URL(wrong_password).user
    assert refused.detail.startswith(f"the broker refused the login of user {user!r}")
    assert "user name or password in VERDICT_AMQP_URL" in refused.detail
    assert PASSWORD not in refused.detail
    assert PASSWORD not in connect_failure([wrong_password], refused)


async def test_a_user_without_permission_on_the_vhost_is_told_so(
    user_without_permissions: str,
) -> None:
    refused = await refusal_of(user_without_permissions)
    user = URL(user_without_permissions).user
    assert refused.event == "broker_vhost_access_refused"
    assert refused.detail.startswith(f"user {user!r} has no permission on virtual host '/'")
    assert "rabbitmqctl set_permissions -p / " in refused.detail
    assert "VERDICT_AMQP_URL" in refused.detail


async def test_a_refusal_says_more_than_an_address_that_does_not_answer(
    unknown_vhost: str,
) -> None:
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    with pytest.raises(BrokerRefused, match="verdict-no-such-vhost"):
        await connect_first([unknown_vhost, closed], "verdict-test-refusals")


async def test_a_service_logs_the_refusal_at_every_attempt_and_keeps_trying(
    monkeypatch: pytest.MonkeyPatch, config: Settings, unknown_vhost: str
) -> None:
    log = structlog.testing.CapturingLogger()
    monkeypatch.setattr(broker_module, "log", log)
    monkeypatch.setattr(broker_module, "_REFUSED_RETRY", 0.1)  # 30 s in production
    broker = Broker(unknown_vhost, Topology(config.namespace, config.vendors), name="test")
    broker.start()

    async def refused_twice() -> bool:
        return [call.args[0] for call in log.calls].count("broker_vhost_not_found") >= 2

    try:
        await wait_until(refused_twice, timeout=30, what="two refused attempts")
        assert not broker.ready
    finally:
        await broker.close()
    refusal = next(call for call in log.calls if call.args[0] == "broker_vhost_not_found")
    assert refusal.method_name == "error"
    assert refusal.kwargs["broker"] == redact(unknown_vhost)
    assert "does not exist on the broker" in refusal.kwargs["detail"]
    retrying = next(call for call in log.calls if call.args[0] == "broker_retrying")
    assert retrying.kwargs["retry_in"] == 0.1


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_verdict_worker_logs_a_structured_refusal_and_keeps_running(
    config: Settings, tmp_path: Path, unknown_vhost: str
) -> None:
    output = tmp_path / "worker.log"
    process = spawn(environment(config, VERDICT_AMQP_URL=unknown_vhost), output, "worker")

    async def retrying() -> bool:
        assert process.poll() is None, output.read_text()
        return "broker_retrying" in output.read_text()

    try:
        await wait_until(retrying, what="the first refused attempt")
        await asyncio.sleep(0.5)
        assert process.poll() is None  # a refusal is retried: it does not stop the service
    finally:
        status = finish(process, signal.SIGTERM, timeout=10)
    assert status == 0, output.read_text()
    lines = json_lines(output.read_text())
    [refusal] = [line for line in lines if line["event"] == "broker_vhost_not_found"]
    assert refusal["level"] == "error"
    assert refusal["broker"] == redact(unknown_vhost)
    assert "VERDICT_AMQP_URL" in refusal["detail"]
    [retrying_line] = [line for line in lines if line["event"] == "broker_retrying"]
    assert retrying_line["retry_in"] == 30.0
    assert "InvalidFrameError" not in output.read_text()


def test_verdict_dlq_says_why_the_broker_refused(
    config: Settings, tmp_path: Path, wrong_password: str
) -> None:
    output = tmp_path / "dlq.log"
    env = environment(config, VERDICT_AMQP_URL=wrong_password)
    status = finish(spawn(env, output, "dlq", "list"), sig=None, timeout=30)
    said = output.read_text()
    assert status == 1, said
    user = URL(wrong_password).user
    assert (
        f"dlq: cannot connect to {redact(wrong_password)}: the broker refused the login of user"
        f" {user!r}: correct the user name or password in VERDICT_AMQP_URL" in said
    )
    assert [line["event"] for line in json_lines(said)] == ["broker_authentication_failed"]
    assert PASSWORD not in said
    assert "Traceback" not in said
