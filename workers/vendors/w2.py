"""W2 webhooks: decoded and classified by ../shared/docs/outcomes.md.

W2 sends several shapes to one endpoint; the ``x-w2-topic`` header tells the notification topics
apart, and the body tells the two DVFC shapes apart:

- DVFC onboarding (no header, or topic ``DVFCWeb``): ``{id, caseId, dvfcWebResult{notification,
  onboardingResults}}``. Document images (``listCapturedDocs``) and owner data are never decoded.
- DVFC, IDnow-style (the other published version of the same page):
  ``{identificationprocess{result, reason, ...}, userdata, ...}``; ``userdata`` is never decoded.
- Topics ``caseResultMonitoring``, ``AlertRemediation`` and ``BundleRemediation``: keys matched
  case-insensitively, since W2 mixes camelCase and PascalCase between topics.

Event words: ``start_onboarding``, ``end_onboarding``, ``identification_process``,
``case_result_monitoring``, ``alert_remediation``, ``bundle_remediation``; for a DVFC event or a
topic W2 has not documented, the slug of its name (outcome ``pending``, ``unrecognised_event``),
or ``unknown`` when a DVFC body names no event.

Subject names: result_id, case_id, account_id, resource_id, business_uid, onboarding_uid,
session_id, identification_process_id, transaction_id, urn, alert_id, call_reference,
client_reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TypeAlias, TypeVar

import msgspec

from shared.outcome import Outcome, Reason
from workers.vendors import base
from workers.vendors.base import Classification, Undecodable

T = TypeVar("T")

# W2 sends ids as strings in its samples, but AlertId as a number: accept both.
Id: TypeAlias = str | int
# withQualityIssues is the string "true" in W2's own sample; a bool elsewhere.
Flag: TypeAlias = bool | int | str


class _Struct(msgspec.Struct, frozen=True, rename="camel"):
    """DVFC bodies: camelCase keys, unknown fields ignored (images and owner data among them)."""


class ErrorCause(_Struct, frozen=True):
    code: str | None = None
    details: str | None = None


class AnalysisData(_Struct, frozen=True):
    with_quality_issues: Flag | None = None


class AnalysisResult(_Struct, frozen=True):
    analysis_data: AnalysisData | None = None


class OnboardingResult(_Struct, frozen=True):
    uid: Id | None = None
    status: str | None = None
    analysis_results: list[AnalysisResult | None] | None = None


class OnboardingResults(_Struct, frozen=True):
    uid: Id | None = None
    status: str | None = None
    error_cause: ErrorCause | None = None
    result: OnboardingResult | None = None
    message: str | None = None


class EventData(_Struct, frozen=True):
    business_uid: Id | None = None
    onboarding_status: str | None = None
    with_quality_issues: Flag | None = None


class Notification(_Struct, frozen=True):
    account_id: Id | None = None
    resource_id: Id | None = None
    event: str | None = None
    event_date: str | None = None
    event_data: EventData | None = None


class DvfcWebResult(_Struct, frozen=True):
    notification: Notification | None = None
    onboarding_results: OnboardingResults | None = None


class IdentificationProcess(_Struct, frozen=True):
    result: str | None = None
    reason: str | None = None
    identificationtime: str | None = None
    session_id: Id | None = None
    id: Id | None = None
    transactionnumber: Id | None = None


class DvfcBody(_Struct, frozen=True):
    id: Id | None = None
    case_id: Id | None = None
    dvfc_web_result: DvfcWebResult | None = None
    identificationprocess: IdentificationProcess | None = None


class _Topic(msgspec.Struct, frozen=True, rename=lambda name: name.replace("_", "")):
    """Topic bodies, converted after their keys were lower-cased (see :func:`_decode_topic`)."""


class MonitoringAlert(_Topic, frozen=True):
    alert_id: Id | None = None
    service_name: str | None = None
    source: str | None = None
    status: str | None = None


class CaseResultMonitoring(_Topic, frozen=True):
    id: Id | None = None
    case_id: Id | None = None
    result_date: str | None = None
    number_of_alerts: int | None = None
    alerts: list[MonitoringAlert | None] | None = None


class AlertRemediation(_Topic, frozen=True):
    urn: Id | None = None
    case_id: Id | None = None
    alert_id: Id | None = None
    alert_status: str | None = None
    status: str | None = None
    timestamp: str | None = None


class BundleRemediation(_Topic, frozen=True):
    call_reference: Id | None = None
    case_id: Id | None = None
    client_reference: Id | None = None
    # The sample sends BundleRemediationStatus; the field table calls it BundleStatus.
    bundle_remediation_status: str | None = None
    bundle_status: str | None = None
    status: str | None = None
    timestamp: str | None = None


_DVFC_DECODER = base.lenient_decoder(DvfcBody)
_OBJECT_DECODER = base.lenient_decoder(dict[str, object])

QUALITY_ISSUES = "quality_issues"

_F_EVENT = "dvfcWebResult.notification.event"
_F_STATUS = "dvfcWebResult.notification.eventData.onboardingStatus"
_F_RESULTS_STATUS = "dvfcWebResult.onboardingResults.status"
_F_RESULT_STATUS = "dvfcWebResult.onboardingResults.result.status"
_F_CODE = "dvfcWebResult.onboardingResults.errorCause.code"
_F_QUALITY = "dvfcWebResult.notification.eventData.withQualityIssues"
_F_ANALYSIS_QUALITY = (
    "dvfcWebResult.onboardingResults.result.analysisResults[{}].analysisData.withQualityIssues"
)
_F_IDENT_RESULT = "identificationprocess.result"

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# An undocumented topic or event name becomes a routing-key word; keep a hostile one short.
_MAX_WORD = 64


def _compact(value: str | None) -> str | None:
    """Match enum values ignoring case and separators: "High Risk", "HighRisk", "HIGH_RISK".

    Non-ASCII text is kept as it is, so it matches nothing: upper-casing maps a long s (U+017F)
    to ``S`` and the separator pattern would delete an ``é``; neither may make a verdict of a
    value W2 never sends (rule 1).
    """
    if value is not None and not value.isascii():
        return value
    upper = base.key(value)
    return None if upper is None else _NON_ALNUM.sub("", upper)


def _table(entries: Mapping[str, T]) -> dict[str, T]:
    return {_NON_ALNUM.sub("", name.upper()): value for name, value in entries.items()}


def _word(name: str) -> str:
    return base.slug(_CAMEL.sub("_", name))[:_MAX_WORD].strip("_") or "unknown"


def _flag(value: Flag) -> bool | None:
    """A quality flag as a bool; None when it is neither true nor false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {0: False, 1: True}.get(value)
    return {"TRUE": True, "1": True, "FALSE": False, "0": False}.get(_compact(value) or "")


def _when(value: str | None) -> datetime | None:
    """The vendor's event time; naive times are taken as UTC, .NET's DateTime.MinValue as unset."""
    if not value:
        return None
    try:
        parsed = msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        return None
    if parsed.year <= 1:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _text(value: Id | None) -> str:
    return "" if value is None else str(value)


# --- DVFC onboarding -------------------------------------------------------------------------

# CREATEAD is W2's own spelling in its documentation.
_STATUSES = _table(
    {
        "CREATEAD": "CREATED",
        "CREATED": "CREATED",
        "CLICKED": "CLICKED",
        "CAPTURE_ONGOING": "CAPTURE_ONGOING",
        "SUCCESS": "SUCCESS",
        "EXPIRED": "EXPIRED",
        "ERROR": "ERROR",
    }
)
_PROGRESS = {
    "CREATED": "the onboarding session was initialised",
    "CLICKED": "the user reached the onboarding start page",
    "CAPTURE_ONGOING": "the user captured a document but has not completed the onboarding",
}
_CAUSE_OUTCOMES = {
    "USER_ERROR": Outcome.FAIL,
    "DEVICE_ERROR": Outcome.FAIL,
    "DOCUMENT_ERROR": Outcome.FAIL,
    "INTERNAL_ERROR": Outcome.SYSTEM_ERROR,
    "NETWORK_ERROR": Outcome.SYSTEM_ERROR,
}
# errorCause.code as W2 documents it, found by its compacted form.
_CAUSES = _table({name: name for name in _CAUSE_OUTCOMES})
_RESULT_STATUSES = _table({"SUCCESS": "SUCCESS", "ERROR": "ERROR"})
_EVENTS = _table({"START_ONBOARDING": "start_onboarding", "END_ONBOARDING": "end_onboarding"})

Verdict: TypeAlias = tuple[Outcome, list[Reason]]


def _status(raw: str | None) -> str | None:
    """The canonical onboarding status, the compacted raw value if unknown, None if absent."""
    compact = _compact(raw)
    return None if compact is None else _STATUSES.get(compact, compact)


def _cause(cause: ErrorCause | None) -> ErrorCause | None:
    """The errorCause, or None when W2 sent none (or an empty one)."""
    if cause is None or (not cause.code and not cause.details):
        return None
    return cause


def _cause_reason(cause: ErrorCause) -> Reason:
    name = _CAUSES.get(_compact(cause.code) or "")
    return Reason(name or (cause.code or "").strip() or "ERROR", cause.details)


def _conflicts(data: EventData, results: OnboardingResults) -> list[Reason]:
    """Rule 2: the notification and the results must tell the same story."""
    told, found = data.onboarding_status, results.status
    if told is not None and found is not None and _status(told) != _status(found):
        message = f"notification says {told!r} but onboardingResults says {found!r}"
        return [Reason(base.CONTRADICTION, message, _F_RESULTS_STATUS)]
    inner = results.result.status if results.result is not None else None
    if inner is None:
        return []
    inner_status = _RESULT_STATUSES.get(_compact(inner) or "")
    if inner_status is None:
        return [base.unrecognised(_F_RESULT_STATUS, inner)]
    overall = _status(told if told is not None else found)
    if overall in _RESULT_STATUSES and overall != inner_status:
        message = f"onboarding status is {overall!r} but the result status is {inner!r}"
        return [Reason(base.CONTRADICTION, message, _F_RESULT_STATUS)]
    return []


def _quality(data: EventData, results: OnboardingResults) -> list[Reason]:
    flags: list[tuple[str, Flag | None]] = [(_F_QUALITY, data.with_quality_issues)]
    analyses = (results.result.analysis_results if results.result else None) or []
    for index, analysis in enumerate(analyses):
        if analysis is not None and analysis.analysis_data is not None:
            field = _F_ANALYSIS_QUALITY.format(index)
            flags.append((field, analysis.analysis_data.with_quality_issues))
    reasons = []
    for field, value in flags:
        flag = None if value is None else _flag(value)
        if value is not None and flag is None:
            reasons.append(base.unrecognised(field, value))
        elif flag:
            reasons.append(Reason(QUALITY_ISSUES, "a captured document has quality issues", field))
    return reasons


def _success(data: EventData, results: OnboardingResults) -> Verdict:
    reasons = _quality(data, results)
    cause = _cause(results.error_cause)
    if cause is not None:
        # W2's own sample does this; a success that names an error is no clean pass.
        contradiction = Reason(base.CONTRADICTION, "status SUCCESS with an errorCause", _F_CODE)
        reasons += [contradiction, _cause_reason(cause)]
    if reasons:
        return Outcome.REFER, reasons
    return Outcome.PASS, [Reason("SUCCESS", results.message or "the onboarding was completed")]


def _error(results: OnboardingResults) -> Verdict:
    cause = _cause(results.error_cause)
    if cause is None:
        return Outcome.SYSTEM_ERROR, [Reason("ERROR", "the onboarding ended in ERROR, no cause")]
    name = _CAUSES.get(_compact(cause.code) or "")
    if name is None:
        return Outcome.REFER, [base.unrecognised(_F_CODE, cause.code), _cause_reason(cause)]
    return _CAUSE_OUTCOMES[name], [_cause_reason(cause)]


def _cause_reasons(results: OnboardingResults) -> list[Reason]:
    cause = _cause(results.error_cause)
    return [] if cause is None else [_cause_reason(cause)]


def _end(data: EventData, results: OnboardingResults) -> Verdict:
    conflicts = _conflicts(data, results)
    if conflicts:
        return Outcome.REFER, conflicts + _cause_reasons(results)
    raw = data.onboarding_status if data.onboarding_status is not None else results.status
    status = _status(raw)
    if status == "SUCCESS":
        return _success(data, results)
    if status == "ERROR":
        return _error(results)
    if status == "EXPIRED":
        message = results.message or "the onboarding expired before the user completed it"
        return Outcome.FAIL, [Reason("EXPIRED", message), *_cause_reasons(results)]
    if status in _PROGRESS:
        return Outcome.PENDING, [Reason(status, _PROGRESS[status])]
    field = _F_STATUS if data.onboarding_status is not None or raw is None else _F_RESULTS_STATUS
    return Outcome.REFER, [base.unrecognised(field, raw)]


def _classify_dvfc(body: DvfcBody, dvfc: DvfcWebResult) -> Classification:
    notification = dvfc.notification or Notification()
    data = notification.event_data or EventData()
    results = dvfc.onboarding_results or OnboardingResults()
    event = notification.event
    word = _EVENTS.get(_compact(event) or "")
    if word == "end_onboarding":
        outcome, reasons = _end(data, results)
    elif word == "start_onboarding":
        outcome, reasons = Outcome.PENDING, [Reason("START_ONBOARDING", "the onboarding started")]
    else:
        word = _word(event or "")
        message = f"DVFC event {event!r} is not one the adapter knows"
        outcome, reasons = Outcome.PENDING, [Reason(base.UNRECOGNISED_EVENT, message, _F_EVENT)]
    status = data.onboarding_status if data.onboarding_status is not None else results.status
    return Classification(
        event=word,
        outcome=outcome,
        reasons=tuple(reasons),
        subject=base.subject(
            result_id=body.id,
            case_id=body.case_id,
            account_id=notification.account_id,
            resource_id=notification.resource_id,
            business_uid=data.business_uid,
            onboarding_uid=results.uid
            if results.uid is not None
            else (results.result.uid if results.result else None),
        ),
        # W2 sends no delivery id; the case result id with event and status names one event.
        identity=None
        if body.id is None
        else (str(body.id), base.key(event) or "", base.key(status) or ""),
        occurred_at=_when(notification.event_date),
    )


# --- DVFC, IDnow-style -----------------------------------------------------------------------

_IDENT_RESULTS = _table(
    {
        "SUCCESS": Outcome.PASS,
        "FRAUD_SUSPICION_CONFIRMED": Outcome.FAIL,
        "FRAUD_SUSPICION_PENDING": Outcome.REFER,
        # Abandoned sessions, as the outcome table says.
        "ABORTED": Outcome.FAIL,
        "CANCELED": Outcome.FAIL,
        "CANCELLED": Outcome.FAIL,
    }
)


def _classify_identification(body: DvfcBody, process: IdentificationProcess) -> Classification:
    result = process.result
    outcome = _IDENT_RESULTS.get(_compact(result) or "")
    code = base.key(result)
    vendor = Reason(code, process.reason) if code else None
    if outcome is None:
        reasons = [base.unrecognised(_F_IDENT_RESULT, result)] + ([vendor] if vendor else [])
        outcome = Outcome.REFER
    else:
        reasons = [vendor] if vendor else []
    process_id = next(
        (v for v in (process.id, process.session_id, process.transactionnumber) if v is not None),
        None,
    )
    return Classification(
        event="identification_process",
        outcome=outcome,
        reasons=tuple(reasons),
        subject=base.subject(
            result_id=body.id,
            case_id=body.case_id,
            identification_process_id=process.id,
            session_id=process.session_id,
            transaction_id=process.transactionnumber,
        ),
        identity=None
        if process_id is None
        else (
            "identification_process",
            str(process_id),
            base.key(result) or "",
            process.identificationtime or "",
        ),
        occurred_at=_when(process.identificationtime),
    )


# --- x-w2-topic notifications ----------------------------------------------------------------

_ALERT_STATUSES = _table(
    {
        "Pass": Outcome.PASS,
        "Fail": Outcome.FAIL,
        "Refer": Outcome.REFER,
        "Open": Outcome.REFER,
        # A risk rating is a reviewer's view of one alert, not a verdict on the person.
        "High Risk": Outcome.REFER,
        "Medium Risk": Outcome.REFER,
        "Low Risk": Outcome.REFER,
        # A dismissed alert changes no verdict.
        "False Positive": Outcome.PENDING,
    }
)
_BUNDLE_STATUSES = _table({"Pass": Outcome.PASS, "Fail": Outcome.FAIL, "Refer": Outcome.REFER})
# A recognised status is reported in one spelling, whatever case or separators W2 sent it in, so
# a consumer can match the reason code.
_STATUS_NAMES = _table(
    {
        name: name
        for name in (
            *("Pass", "Fail", "Refer", "Open"),
            *("High Risk", "Medium Risk", "Low Risk", "False Positive"),
        )
    }
)


def _status_name(status: str | None) -> str:
    return _STATUS_NAMES.get(_compact(status) or "", status or "")


def _identity(
    word: str, owner: Id | None, item: Id | None, status: str | None, timestamp: str | None
) -> tuple[str, ...] | None:
    """A remediation is one reviewer action on one case or alert at one time."""
    if owner is None and item is None:
        return None
    return (word, _text(owner), _text(item), base.key(status) or "", timestamp or "")


def _monitoring(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, CaseResultMonitoring)
    alerts = [alert for alert in body.alerts or [] if alert is not None]
    reasons: list[Reason] = []
    outcome = Outcome.PENDING
    for index, alert in enumerate(alerts):
        verdict = _ALERT_STATUSES.get(_compact(alert.status) or "")
        if verdict is None:
            reasons.append(base.unrecognised(f"alerts[{index}].status", alert.status))
            outcome = Outcome.REFER
            continue
        where = ", ".join(filter(None, (alert.service_name, alert.source)))
        message = f"alert {_text(alert.alert_id)} ({where})" if where else None
        reasons.append(Reason(_status_name(alert.status), message))
        if verdict is not Outcome.PENDING:
            outcome = Outcome.REFER
    if not alerts:
        count = body.number_of_alerts or 0
        if count > 0:
            reasons.append(Reason("alerts_missing", f"{count} alerts reported, none listed"))
            outcome = Outcome.REFER
        else:
            reasons.append(Reason("no_alerts", "the monitoring result carries no alerts"))
    return Classification(
        event="case_result_monitoring",
        outcome=outcome,
        reasons=tuple(reasons),
        subject=base.subject(result_id=body.id, case_id=body.case_id),
        identity=None if body.id is None else (word, str(body.id)),
        occurred_at=_when(body.result_date),
    )


def _alert_remediation(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, AlertRemediation)
    status = body.alert_status if body.alert_status is not None else body.status
    outcome = _ALERT_STATUSES.get(_compact(status) or "")
    if outcome is None:
        reasons = [base.unrecognised("AlertStatus", status)]
        outcome = Outcome.REFER
    else:
        name = _status_name(status)
        reasons = [Reason(name, f"alert {_text(body.alert_id)} remediated to {name}")]
    # Comments and User are left out: free text and a reviewer's email.
    return Classification(
        event="alert_remediation",
        outcome=outcome,
        reasons=tuple(reasons),
        subject=base.subject(case_id=body.case_id, urn=body.urn, alert_id=body.alert_id),
        identity=_identity(
            word,
            body.urn if body.urn is not None else body.case_id,
            body.alert_id,
            status,
            body.timestamp,
        ),
        occurred_at=_when(body.timestamp),
    )


def _bundle_remediation(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, BundleRemediation)
    status = next(
        (s for s in (body.bundle_remediation_status, body.bundle_status, body.status) if s),
        None,
    )
    outcome = _BUNDLE_STATUSES.get(_compact(status) or "")
    if outcome is None:
        reasons = [base.unrecognised("BundleRemediationStatus", status)]
        outcome = Outcome.REFER
    else:
        reasons = [Reason(_status_name(status), "bundle remediated by a reviewer")]
    return Classification(
        event="bundle_remediation",
        outcome=outcome,
        reasons=tuple(reasons),
        subject=base.subject(
            case_id=body.case_id,
            call_reference=body.call_reference,
            client_reference=body.client_reference,
        ),
        identity=_identity(
            word,
            body.call_reference if body.call_reference is not None else body.case_id,
            None,
            status,
            body.timestamp,
        ),
        occurred_at=_when(body.timestamp),
    )


def _unknown_topic(fields: dict[str, object], topic: str) -> Classification:
    ids = {name: fields.get(name) for name in ("id", "caseid")}
    usable = {
        name: value
        for name, value in ids.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    shown = topic if len(topic) <= _MAX_WORD else topic[:_MAX_WORD] + "..."
    message = f"x-w2-topic {shown!r} is not a topic the adapter knows"
    return Classification(
        event=_word(topic),
        outcome=Outcome.PENDING,
        reasons=(Reason(base.UNRECOGNISED_EVENT, message, "x-w2-topic"),),
        subject=base.subject(result_id=usable.get("id"), case_id=usable.get("caseid")),
    )


TopicClassifier: TypeAlias = Callable[[dict[str, object], str], Classification]

_TOPICS: dict[str, tuple[str, TopicClassifier]] = _table(
    {
        "caseResultMonitoring": ("case_result_monitoring", _monitoring),
        "AlertRemediation": ("alert_remediation", _alert_remediation),
        "BundleRemediation": ("bundle_remediation", _bundle_remediation),
    }
)
# Topics whose bodies are the DVFC shapes, told apart by their own keys.
_DVFC_TOPICS = _table({"DVFCWeb": True, "DVFC": True})
_DVFC_KEYS = ("dvfcwebresult", "identificationprocess")


def _lower_keys(value: object, depth: int = 2) -> object:
    """Keys in lower case, so CaseId, caseId and caseid match; topic bodies are shallow."""
    if depth == 0:
        return value
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item, depth - 1) for item in value]
    return value


def _decode_topic(body: bytes) -> dict[str, object]:
    fields = base.decode(_OBJECT_DECODER, body)
    return {name.lower(): _lower_keys(value) for name, value in fields.items()}


def _convert(fields: dict[str, object], type_: type[T]) -> T:
    try:
        return msgspec.convert(fields, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise Undecodable(str(exc)) from exc


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
    topic = (headers.get("x-w2-topic") or "").strip()
    topic_key = _compact(topic) or ""
    if topic and topic_key not in _DVFC_TOPICS:
        fields = _decode_topic(body)
        known = _TOPICS.get(topic_key)
        if known is not None:
            word, classifier = known
            return classifier(fields, word)
        # A DVFC body under a topic name the docs do not give is still a DVFC body.
        if not any(key in fields for key in _DVFC_KEYS):
            return _unknown_topic(fields, topic)
    dvfc = base.decode(_DVFC_DECODER, body)
    if dvfc.dvfc_web_result is not None:
        return _classify_dvfc(dvfc, dvfc.dvfc_web_result)
    if dvfc.identificationprocess is not None:
        return _classify_identification(dvfc, dvfc.identificationprocess)
    raise Undecodable("neither `dvfcWebResult` nor `identificationprocess` at `$`")
