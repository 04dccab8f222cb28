"""Every command that talks to the broker says a refusal the same way: which, and what to change."""

from __future__ import annotations

from pathlib import Path

import pytest
from yarl import URL

from shared.settings import Settings
from tests.faults.support import environment, finish, spawn

COMMANDS = [("outcomes",), ("topology", "show"), ("dlq", "list")]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_virtual_host_is_named_with_its_fix(
    config: Settings, tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = str(URL(config.amqp_url.split(",")[0]).with_path("/no-such-vhost"))
    log = tmp_path / "command.log"
    assert finish(spawn(environment(config, VERDICT_AMQP_URL=url), log, *command), None, 30) == 1
    said = log.read_text()
    assert f"{command[0]}: cannot connect to " in said
    assert "virtual host 'no-such-vhost' does not exist on the broker" in said
    assert "rabbitmqctl add_vhost no-such-vhost" in said
