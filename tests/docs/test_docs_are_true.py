"""README.md and every docs/*.md say only what is true of this repository.

For each page: every relative link leads to a file or folder that exists (and a ``#anchor`` into
a markdown page to one of its headings, as GitHub makes them); every repository path named in
backticks, or on a shell line of a code block, exists; every ``VERDICT_*`` variable named is one
something reads; every ``verdict ...`` command line of a code block is accepted by the real
command-line parser. A failure names the page, the line and what is wrong there.

Pure: no broker, no network, no process started.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import yaml
from aiohttp.streams import EMPTY_PAYLOAD

from ingress.body import read_body
from shared import settings, vendor_settings
from shared.environment_names import ELSEWHERE
from shared.settings import DEFAULT_VENDORS
from verdict.cli import build_parser
from workers.vendors import CLASSIFIERS
from workers.vendors.base import Undecodable

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Paths a page names on purpose that do not exist: adding-a-vendor.md's worked example.
HYPOTHETICAL = {"docs/adding-a-vendor.md": ("acme",)}
# Names the pages give as examples of a misspelled variable (the warning at start-up names them).
MISSPELLED_ON_PURPOSE = {"VERDICT_HTTP_PROT", "VERDICT_METAMAP_HMAC_SECRET"}
SHELL = {"sh", "shell", "bash", "console", ""}


@dataclass
class Page:
    """A markdown page split into prose (fenced code blanked out) and fenced code blocks."""

    path: Path
    text: str
    prose: str = ""
    blocks: list[tuple[str, list[tuple[int, str]]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    def where(self, line: int, what: str) -> str:
        return f"{self.name}:{line}: {what}"

    def line_of(self, offset: int) -> int:
        return self.prose.count("\n", 0, offset) + 1


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")


@cache
def page(path: Path) -> Page:
    parsed = Page(path, path.read_text())
    prose: list[str] = []
    fence: str | None = None
    block: list[tuple[int, str]] = []
    language = ""
    for number, line in enumerate(parsed.text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence, language, block = opening.group(1), opening.group(2).lower(), []
            prose.append("")
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)):
            parsed.blocks.append((language, block))
            fence = None
            prose.append("")
        elif fence is not None:
            block.append((number, line))
            prose.append("")
        else:
            prose.append(line)
    parsed.prose = "\n".join(prose)
    return parsed


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- code spans, links and headings ------------------------------------------------------------

# A code span may wrap onto the next line, never across a paragraph.
_CODE_SPAN = re.compile(r"(?<!`)`(?!`)((?:[^`\n]|\n(?!\n))+?)`")
_LINK = re.compile(r"\[(?:[^\]\n]|\n(?!\n))*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def code_spans(parsed: Page) -> Iterator[tuple[int, str]]:
    for match in _CODE_SPAN.finditer(parsed.prose):
        yield parsed.line_of(match.start()), match.group(1).replace("\n", " ").strip()


def links(parsed: Page) -> Iterator[tuple[int, str]]:
    # Blank the code spans first: a link written inside one is not a link.
    text = _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), parsed.prose)
    for match in _LINK.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as -."""
    text = _INLINE_LINK.sub(lambda m: m.group(1), heading)
    text = re.sub(r"<[^>]+>", "", text).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(page(path).prose):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def test_slugs_are_githubs() -> None:
    assert slug("RabbitMQ: versions, message size, delivery limits") == (
        "rabbitmq-versions-message-size-delivery-limits"
    )
    assert slug("Removing a namespace: `verdict topology`") == (
        "removing-a-namespace-verdict-topology"
    )
    assert slug("`subject`: the vendor's ids, under stable names") == (
        "subject-the-vendors-ids-under-stable-names"
    )
    assert slug("What `verdict dlq` does to the queue") == "what-verdict-dlq-does-to-the-queue"


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_relative_links_lead_somewhere(path: Path) -> None:
    parsed = page(path)
    wrong = []
    for line, target in links(parsed):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            continue  # https:, mailto: ...
        name, _, anchor = target.partition("#")
        linked = (path.parent / name).resolve() if name else path
        if not linked.exists():
            wrong.append(parsed.where(line, f"{target}: no such file"))
        elif not linked.is_relative_to(ROOT):
            wrong.append(parsed.where(line, f"{target}: outside the repository"))
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            wrong.append(parsed.where(line, f"{target}: no heading with anchor #{anchor}"))
    assert not wrong, "\n".join(wrong)


# --- repository paths ---------------------------------------------------------------------------


@cache
def ignored_patterns() -> tuple[str, ...]:
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def ignored(relative: str) -> bool:
    """Under a path .gitignore names: made by a run or by the setup (bench/results/, .venv/)."""
    parts = relative.strip("/").split("/")
    for pattern in ignored_patterns():
        bare = pattern.strip("/")
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            if "/" in bare and fnmatch.fnmatch(prefix, bare):
                return True
            if "/" not in bare and fnmatch.fnmatch(parts[end - 1], bare):
                return True
    return False


@cache
def top_level() -> frozenset[str]:
    return frozenset(
        entry.name for entry in ROOT.iterdir() if entry.name != ".git" and not ignored(entry.name)
    )


_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}|\*")


def repository_path(text: str) -> str | None:
    """``text`` as a path in this repository, if it names one (``shared/topology.py``)."""
    text = text.strip().rstrip(".,;:)")
    if not text or any(character.isspace() for character in text):
        return None
    first = text.split("/", 1)[0]
    if first not in top_level() or ("/" not in text and not (ROOT / first).is_file()):
        return None
    return text


def missing(parsed: Page, relative: str) -> bool:
    if ignored(relative) or any(word in relative for word in HYPOTHETICAL.get(parsed.name, ())):
        return False
    if _PLACEHOLDER.search(relative):
        pattern = _PLACEHOLDER.sub("*", relative).rstrip("/")
        return not any(not ignored(p.relative_to(ROOT).as_posix()) for p in ROOT.glob(pattern))
    return not (ROOT / relative).exists()


@dataclass(frozen=True)
class Command:
    line: int
    words: list[str]


def shell_commands(parsed: Page) -> Iterator[Command]:
    """Each command of the shell blocks (unlabelled ones too), continuation lines joined and
    quotes that span lines followed; ``a && b`` and ``a | b`` are two."""
    for language, block in parsed.blocks:
        if language not in SHELL:
            continue
        pending: list[str] = []
        start = 0
        for number, line in block:
            if not pending:
                start = number
            pending.append(line)
            text = "\n".join(pending)
            if text.endswith("\\"):
                continue
            try:
                lexer = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                words = list(lexer)
            except ValueError:
                continue  # a quote still open: the command goes on
            pending = []
            command: list[str] = []
            for word in [*words, ";"]:
                if word and set(word) <= set(";&|()<>"):
                    if command:
                        yield Command(start, command)
                    command = []
                else:
                    command.append(word)


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_repository_paths_named_exist(path: Path) -> None:
    parsed = page(path)
    named = [(line, repository_path(text)) for line, text in code_spans(parsed)]
    for command in shell_commands(parsed):
        named += [(command.line, repository_path(word.split("=")[-1])) for word in command.words]
    wrong = [
        parsed.where(line, f"`{relative}`: no such file or folder in the repository")
        for line, relative in sorted(set(named), key=lambda item: item[0])
        if relative is not None and missing(parsed, relative)
    ]
    assert not wrong, "\n".join(wrong)


# --- VERDICT_* variables ------------------------------------------------------------------------


def _literal_names(prefix: str, *places: str) -> set[str]:
    names: set[str] = set()
    for place in places:
        target = ROOT / place
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for file in files:
            names.update(re.findall(rf"\b{prefix}[A-Z0-9_]*[A-Z0-9]\b", file.read_text()))
    return names


@cache
def known_variables() -> frozenset[str]:
    """What reads a ``VERDICT_*`` variable: the settings (a field each, ``VERDICT_CONFIG``, each
    vendor's own), the tests and CI (``VERDICT_TEST_*``), the benchmark (``VERDICT_BENCH_*``),
    and deploy/compose.yaml (``${VERDICT_...}``)."""
    prefix = settings.ENV_PREFIX
    names = {prefix + name.upper() for name in settings.Settings.__struct_fields__}
    names.discard(prefix + "VENDOR")  # the vendor tables are set by the variables below
    names.add(prefix + "CONFIG")
    for vendor in DEFAULT_VENDORS:
        names |= vendor_settings.env_names(vendor)
    names |= _literal_names(prefix + "TEST_", "tests", ".ci/run")
    names |= _literal_names(prefix + "BENCH_", "bench")
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    names |= set(re.findall(r"\$\{(VERDICT_[A-Z0-9_]+)", compose))
    return frozenset(names)


def test_compose_reads_the_variables_verdict_leaves_to_it() -> None:
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert set(re.findall(r"\$\{(VERDICT_[A-Z0-9_]+)", compose)) >= ELSEWHERE


def test_misspelled_examples_are_really_unknown() -> None:
    assert not MISSPELLED_ON_PURPOSE & known_variables()


# A name, not a prefix or a pattern (VERDICT_TEST_*, VERDICT_<VENDOR>_..., VERDICT_*_HOST_PORT).
_VARIABLE = re.compile(r"\bVERDICT_[A-Z0-9_]*[A-Z0-9](?![A-Za-z0-9_<*])")


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_variables_named_are_read_by_something(path: Path) -> None:
    parsed = page(path)
    wrong = [
        parsed.where(number, f"{name}: no setting, test or tool reads it")
        for number, line in enumerate(parsed.text.splitlines(), start=1)
        for name in _VARIABLE.findall(line)
        if name not in known_variables() and name not in MISSPELLED_ON_PURPOSE
    ]
    assert not wrong, "\n".join(wrong)


# --- verdict command lines ----------------------------------------------------------------------


def verdict_arguments(words: list[str]) -> list[str] | None:
    """The arguments ``verdict`` is given by a shell command, if it runs verdict at all: directly
    (``.venv/bin/verdict``, after ``NAME=value`` assignments), through ``docker compose exec
    SERVICE verdict``, or as the image's command (``docker compose run SERVICE``, ``docker run
    IMAGE``: the image's entrypoint is verdict)."""
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]
    if not words:
        return None
    if words[0] == "verdict" or words[0].endswith("/verdict"):
        return words[1:]
    if words[0] != "docker":
        return None
    rest = words[1:]
    if rest[:1] == ["compose"]:
        rest = rest[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1 + (rest[0] in ("-f", "--file", "-p", "--project-name", "--profile")) :]
        if rest[:1] == ["exec"]:
            after = rest[1:]
            return after[after.index("verdict") + 1 :] if "verdict" in after else None
        if rest[:1] == ["run"]:
            return _after_service(rest[1:])
        return None
    if rest[:1] == ["run"] and any(word.startswith("verdict:") for word in rest):
        image = next(i for i, word in enumerate(rest) if word.startswith("verdict:"))
        return rest[image + 1 :]
    return None


def _after_service(words: list[str]) -> list[str] | None:
    valued = {"-e", "--env", "-u", "--user", "-w", "--workdir", "-v", "--volume", "--name"}
    while words and words[0].startswith("-"):
        words = words[1 + (words[0] in valued) :]
    return words[1:] if words else None


def parse_error(arguments: list[str]) -> str | None:
    """What the real parser says against ``verdict ARGUMENTS``, or None when it accepts them."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            build_parser().parse_args(arguments)
        except SystemExit as exc:
            if exc.code not in (0, None):
                return output.getvalue().strip().splitlines()[-1]
    return None


def test_the_parser_is_reached_and_refuses_what_it_should() -> None:
    assert verdict_arguments([".venv/bin/verdict", "dlq", "list"]) == ["dlq", "list"]
    exec_ = ["docker", "compose", "-f", "x.yaml", "exec", "ingress", "verdict", "outcomes"]
    assert verdict_arguments(exec_) == ["outcomes"]
    run = ["docker", "compose", "run", "--rm", "--no-deps", "worker", "dlq", "list"]
    assert verdict_arguments(run) == ["dlq", "list"]
    assert verdict_arguments(["A=1", "verdict", "run"]) == ["run"]
    assert verdict_arguments(["docker", "exec", "verdict-rabbitmq4", "rabbitmqctl"]) is None
    assert parse_error(["dlq", "list"]) is None
    assert parse_error(["--help"]) is None
    assert parse_error(["no-such-command"]) is not None
    assert parse_error(["dlq", "list", "--no-such-option"]) is not None


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_verdict_command_lines_parse(path: Path) -> None:
    parsed = page(path)
    wrong = []
    for command in shell_commands(parsed):
        arguments = verdict_arguments(command.words)
        if arguments is None:
            continue
        error = parse_error(arguments)
        if error is not None:
            shown = shlex.join(["verdict", *arguments])
            wrong.append(parsed.where(command.line, f"{shown}: {error}"))
    assert not wrong, "\n".join(wrong)


# --- what docs/openapi.yaml says of an empty body -----------------------------------------------


def test_openapi_does_not_require_a_body_the_ingress_does_not_require() -> None:
    """The ingress reads whatever body comes, an empty one included, and stores it (202): the
    spec may not call the body required. No adapter can read an empty body: the worker
    dead-letters it as undecodable, as the spec says."""
    openapi = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    request_body = openapi["paths"]["/webhooks/{vendor}"]["post"]["requestBody"]
    assert request_body.get("required", False) is False
    assert "undecodable" in request_body["description"]


async def test_an_empty_body_is_read_as_empty_not_refused() -> None:
    assert await read_body(EMPTY_PAYLOAD, limit=1, timeout=1.0) == b""


@pytest.mark.parametrize("vendor", sorted(CLASSIFIERS))
def test_no_adapter_reads_an_empty_body(vendor: str) -> None:
    with pytest.raises(Undecodable):
        CLASSIFIERS[vendor](b"", {})
