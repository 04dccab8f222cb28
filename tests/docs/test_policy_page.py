"""docs/policy.md prints the shipped tables as `verdict policy show --markdown` does."""

from __future__ import annotations

from pathlib import Path

from verdict.policy_commands import markdown
from workers import policies

PAGE = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
START = "<!-- shipped tables: generated, do not edit by hand -->\n"
END = "<!-- end of shipped tables -->"


def generated() -> str:
    return markdown(policies.effective())


def test_the_page_shows_the_shipped_tables() -> None:
    page = PAGE.read_text()
    shown = page[page.index(START) + len(START) : page.index(END)]
    # To refresh: .venv/bin/python -m tests.docs.test_policy_page
    assert shown == "\n" + generated()


if __name__ == "__main__":
    text = PAGE.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    PAGE.write_text(head + START + "\n" + generated() + END + tail)
