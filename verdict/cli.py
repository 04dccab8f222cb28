"""The ``verdict`` command line: the command, the settings, then the module that does it.

The services (run, ingress, worker) are verdict/services.py, their help verdict/service_help.py.
Each operator command is a module with ``add_parser(commands)`` and ``async run(args, config)
-> exit status``, registered below with one line in each place.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from ingress.endpoint import endpoints
from shared import logging, package, settings
from verdict import (
    dlq_commands,
    outcomes_commands,
    policy_commands,
    reclassify_commands,
    service_help,
    services,
    topology_commands,
)
from workers import policies

_DESCRIPTION = """\
Verdict: identity-verification vendors' webhooks in, one normalised outcome event out, on
RabbitMQ. run, ingress and worker run until SIGTERM or Ctrl-C; the other commands do one thing
and exit."""

_EPILOG = """\
Settings come from VERDICT_* environment variables over the --config file; --config may come
before or after the command. Run 'verdict COMMAND --help' for what a command does, its ports,
the variables that matter to it and its exit status."""

_CONFIG_HELP = "TOML settings file (or VERDICT_CONFIG); VERDICT_* variables override it"


class _Help(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; the commands listed without argparse's "COMMAND" line above."""

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        if isinstance(action, argparse._SubParsersAction):
            text = text.partition("\n")[2]
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verdict", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=_Help
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--config", metavar="FILE", help=_CONFIG_HELP)
    commands = parser.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )
    service_help.add_parsers(commands)
    dlq_commands.add_parser(commands)
    outcomes_commands.add_parser(commands)
    policy_commands.add_parser(commands)
    reclassify_commands.add_parser(commands)
    topology_commands.add_parser(commands)
    _accept_config_after_commands(parser)
    return parser


def _accept_config_after_commands(parser: argparse.ArgumentParser) -> None:
    """``--config FILE`` after every command and sub-command too (``verdict dlq list --config
    F``), without each command module having to add it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                # SUPPRESS: a command not given --config leaves the value given before it.
                command.add_argument(
                    "--config", metavar="FILE", default=argparse.SUPPRESS, help=_CONFIG_HELP
                )
                _accept_config_after_commands(command)


def _version() -> str:
    return package.version() or "(not installed: no package metadata)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    try:
        config = settings.load(args.config)
        if args.command in ("run", "ingress"):
            endpoints(config)  # a vendor whose authentication is not configured stops start-up
        if args.command in ("run", "worker"):
            policies.effective(config.policy)  # a [[policy]] entry naming nothing stops it too
    except settings.ConfigError as exc:
        print(f"verdict: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.configure(config.log_level)
    try:
        return _run(args, config)
    except BrokenPipeError:
        # `verdict policy show | head`: the reader has what it wanted. Python would otherwise
        # fail again flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace, config: settings.Settings) -> int:
    if args.command == "dlq":
        return asyncio.run(dlq_commands.run(args, config))
    if args.command == "outcomes":
        return asyncio.run(outcomes_commands.run(args, config))
    if args.command == "reclassify":
        return asyncio.run(reclassify_commands.run(args, config))
    if args.command == "policy":
        return asyncio.run(policy_commands.run(args, config))
    if args.command == "topology":
        return asyncio.run(topology_commands.run(args, config))
    return services.run(args.command, config)
