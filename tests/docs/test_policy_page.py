"""docs/policy.md prints the shipped tables as `verdict policy show --markdown` does, and the
docs' example events carry the shipped policy's digest."""

from __future__ import annotations

import re
from pathlib import Path

from verdict.policy_commands import markdown
from workers import policies

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "policy.md"
START = "<!-- shipped tables: generated, do not edit by hand -->\n"
END = "<!-- end of shipped tables -->"


def generated() -> str:
    return markdown(policies.effective())


def test_the_page_shows_the_shipped_tables() -> None:
    page = PAGE.read_text()
    shown = page[page.index(START) + len(START) : page.index(END)]
    # To refresh: .venv/bin/python -m tests.docs.test_policy_page
    assert shown == "\n" + generated()


# An event's digest as the docs show it: in JSON, in YAML, and in `policy explain`'s first line.
DIGEST = re.compile(
    r'"policy_digest": "([0-9a-f]{12})"|policy_digest: ([0-9a-f]{12})|\(policy ([0-9a-f]{12})\)'
)
# The docs' examples of a deployment that changed the policy (policy.md's `[[policy]]` entry, and
# consumers.md's correction after a change) name digests of their own.
CHANGED_POLICY_EXAMPLES = {"3c41d0a9be27", "3f91213f8c01"}


def shown_digests() -> dict[str, set[str]]:
    shown: dict[str, set[str]] = {}
    for name in ("consumers.md", "asyncapi.yaml", "policy.md"):
        for match in DIGEST.finditer((DOCS / name).read_text()):
            shown.setdefault(next(group for group in match.groups() if group), set()).add(name)
    return shown


def test_example_events_carry_the_shipped_digest() -> None:
    shipped = policies.effective().digest
    stale = {
        digest: pages
        for digest, pages in shown_digests().items()
        if digest not in {shipped, *CHANGED_POLICY_EXAMPLES}
    }
    # To refresh: .venv/bin/python -m tests.docs.test_policy_page
    assert not stale, f"examples name another policy than the shipped {shipped}: {stale}"


if __name__ == "__main__":
    shipped = policies.effective().digest
    for digest in set(shown_digests()) - {shipped, *CHANGED_POLICY_EXAMPLES}:
        for name in ("consumers.md", "asyncapi.yaml", "policy.md"):
            path = DOCS / name
            path.write_text(path.read_text().replace(digest, shipped))
    text = PAGE.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    PAGE.write_text(head + START + "\n" + generated() + END + tail)
