"""The helpers every adapter shares: one enum match, capped vendor text, ids and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workers.vendors import base

REVIEW = base.EnumTable({"reviewNeeded": "refer", "verified": "pass"})


@pytest.mark.parametrize(
    "value",
    [
        "reviewNeeded",
        "REVIEW_NEEDED",
        "review needed",
        "Review-Needed",
        " review__needed\t",
        "REVIEWNEEDED",
    ],
)
def test_case_whitespace_underscore_and_hyphen_are_ignored(value: str) -> None:
    assert REVIEW.get(value) == "refer"


@pytest.mark.parametrize(
    "value",
    [
        "review.needed",
        "reviewNeeded!",
        "review/needed",
        "_reviewNeeded",
        "reviewNeeded-",
        "review:needed",
        "",
        "   ",
        None,
        # Non-ASCII lookalikes: a long s upper-cases to S, a zero-width space hides.
        "verified\u200b",
        "verifi\u0435d",
        "review\u00a0needed",
        "ver\u0131fied",
    ],
)
def test_other_punctuation_and_non_ascii_match_nothing(value: str | None) -> None:
    assert REVIEW.get(value) is None
    assert value not in REVIEW


def test_pass_with_punctuation_is_unrecognised() -> None:
    table = base.EnumTable({"PASS": 1})
    assert (table.get("pass"), table.get("PASS!"), table.get("pa\u017fs")) == (1, None, None)


def test_words() -> None:
    assert base.words("id validation-finished") == ("ID", "VALIDATION", "FINISHED")
    assert base.words("CaptureOngoing") == ("CAPTUREONGOING",)
    assert base.words("a.b") is None


def test_names_keep_their_canonical_spelling() -> None:
    table = base.EnumTable.of("High Risk", "CAPTURE_ONGOING")
    assert table.get("HIGH_RISK") == "High Risk"
    assert table.get("capture ongoing") == "CAPTURE_ONGOING"


def test_codes_with_punctuation_match_whatever_their_case_and_only_as_themselves() -> None:
    table = base.EnumTable.of("documentReading.negligence", "503")
    assert table.get("DOCUMENTREADING.NEGLIGENCE") == "documentReading.negligence"
    assert table.get(" documentreading.negligence ") == "documentReading.negligence"
    assert table.get("documentReading negligence") is None
    assert table.get("documentReading.negligence!") is None
    assert table.get("documentReading.negligenc\u0435") is None  # a Cyrillic e
    assert table.get("503") == "503"


@pytest.mark.parametrize(
    "entries", [{"PASS": 1, "pass": 2}, {"A B": 1, "a_b": 2}, {"a.b": 1, "A.B": 2}, {"": 1}]
)
def test_a_table_refuses_names_that_collide_or_cannot_match(entries: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="enum name"):
        base.EnumTable(entries)


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Finished Journey", "finished_journey"),
        ("verification.completed", "verification_completed"),
        ("", "unknown"),
        ("!!!", "unknown"),
        ("x" * 100_000, "x" * base.MAX_WORD),
        ("a " * 1000, "_".join("a" * 32)),
    ],
)
def test_slug_is_one_capped_routing_key_word(name: str, word: str) -> None:
    assert base.slug(name) == word
    assert len(base.slug(name)) <= base.MAX_WORD


def test_unrecognised_quotes_a_capped_value() -> None:
    reason = base.unrecognised("status", "x" * 100_000)
    assert reason.code == base.UNRECOGNISED_VALUE
    assert reason.field == "status"
    assert reason.message is not None
    assert len(reason.message) < 2 * base.MAX_QUOTE
    assert reason.message.endswith("'...")
    assert base.unrecognised("flag", 2).message == "flag has unrecognised value 2"


def test_unrecognised_event_quotes_a_capped_name() -> None:
    reason = base.unrecognised_event("event", "y" * 100_000)
    assert (reason.code, reason.field) == (base.UNRECOGNISED_EVENT, "event")
    assert reason.message is not None
    assert len(reason.message) < 2 * base.MAX_QUOTE


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("4003", "4003"),
        (" USER_ERROR ", "USER_ERROR"),
        (4003, "4003"),
        ("9" * 100_000, "9" * base.MAX_CODE),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_code_is_a_stripped_capped_vendor_code(value: str | int | None, code: str | None) -> None:
    assert base.code(value) == code


def test_missing_names_the_field() -> None:
    reason = base.missing("identityStatus", "no identityStatus")
    assert (reason.code, reason.field) == ("missing_value", "identityStatus")
    assert base.MISSING_VALUE == "missing_value"


@pytest.mark.parametrize(("value", "text"), [("abc", "abc"), (42, "42"), ("", None), (None, None)])
def test_id_text(value: base.Id | None, text: str | None) -> None:
    assert base.id_text(value) == text


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2021-08-15T09:00:00.000Z", datetime(2021, 8, 15, 9, tzinfo=UTC)),
        (
            "2019-06-06T09:34:10+02:00",
            datetime(2019, 6, 6, 9, 34, 10, tzinfo=timezone(timedelta(hours=2))),
        ),
        # Zone-less times are read as UTC, not as the worker's local time.
        ("2024-03-03T12:00:00", datetime(2024, 3, 3, 12, tzinfo=UTC)),
        # .NET's DateTime.MinValue: "not set".
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_timestamp(value: str | None, moment: datetime | None) -> None:
    assert base.timestamp(value) == moment
