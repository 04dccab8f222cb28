"""W2 webhooks: decoded and classified by docs/outcomes.md.

W2 sends several shapes to one endpoint; the ``x-w2-topic`` header tells the notification topics
apart, and the body tells the two DVFC shapes apart:

- DVFC onboarding (no header, or topic ``DVFCWeb``): ``{id, caseId, dvfcWebResult{notification,
  onboardingResults}}``. Document images (``listCapturedDocs``) and owner data are never decoded.
- DVFC, IDnow-style (the other published version of the same page):
  ``{identificationprocess{result, reason, ...}, userdata, ...}``; ``userdata`` is never decoded.
- Topics ``caseResultMonitoring``, ``AlertRemediation`` and ``BundleRemediation``: keys matched
  case-insensitively, since W2 mixes camelCase and PascalCase between topics; a decode error
  names the key as the body spelled it.

Classification (docs/outcomes.md, with the team's decisions on what it leaves open):

- START_ONBOARDING is classified by its status as END_ONBOARDING is, but only END_ONBOARDING
  SUCCESS passes: START_ONBOARDING with SUCCESS is a contradiction (``refer``). A status that is
  absent or blank is ``refer`` with ``missing_value``.
- ``identificationprocess.reason`` is kept, as the result reason's message, only when it is a
  code (``USER_CANCELLATION``): free text may name the person.
- ``caseResultMonitoring``: each alert's status maps as the other topics' do (Pass, Fail and
  Refer directly; Open and the risk ratings High/Medium/Low Risk to ``refer``); a False Positive
  alert counts for nothing (``pending`` when it is all there is). The result is ``refer`` if any
  alert refers or is unrecognised, or if Pass and Fail alerts meet (``contradiction``).

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
from typing import TypeAlias, TypeVar

import msgspec

from shared.outcome import Outcome, Reason
from workers.vendors import base
from workers.vendors.base import Classification, Id, Undecodable

T = TypeVar("T")

# W2 sends ids as strings in its samples, but AlertId as a number: both are accepted.
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

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _word(name: str) -> str:
    """An undocumented topic or event name as a routing-key word: ``brandNew`` -> ``brand_new``."""
    return base.slug(_CAMEL.sub("_", name))


_FLAGS = base.EnumTable({"true": True, "1": True, "false": False, "0": False})


def _flag(value: Flag) -> bool | None:
    """A quality flag as a bool; None when it is neither true nor false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {0: False, 1: True}.get(value)
    return _FLAGS.get(value)


def _text(value: Id | None) -> str:
    return base.id_text(value) or ""


# --- DVFC onboarding -------------------------------------------------------------------------

# CREATEAD is W2's own spelling in its documentation.
_STATUSES = base.EnumTable(
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
# errorCause.code as W2 documents it, however W2 spelled it.
_CAUSES = base.EnumTable.of(*_CAUSE_OUTCOMES)
_RESULT_STATUSES = base.EnumTable.of("SUCCESS", "ERROR")
START_ONBOARDING = "start_onboarding"
END_ONBOARDING = "end_onboarding"
_EVENTS = base.EnumTable({"START_ONBOARDING": START_ONBOARDING, "END_ONBOARDING": END_ONBOARDING})

Verdict: TypeAlias = tuple[Outcome, list[Reason]]


def _status(raw: str | None) -> str | None:
    """The canonical onboarding status, the raw value if unknown, None if absent."""
    return _STATUSES.get(raw) or base.key(raw)


def _cause(cause: ErrorCause | None) -> ErrorCause | None:
    """The errorCause, or None when W2 sent none (or an empty one)."""
    if cause is None or (not cause.code and not cause.details):
        return None
    return cause


def _cause_reason(cause: ErrorCause) -> Reason:
    return Reason(_CAUSES.get(cause.code) or base.code(cause.code) or "ERROR", cause.details)


def _conflicts(data: EventData, results: OnboardingResults) -> list[Reason]:
    """Rule 2: the notification and the results must tell the same story."""
    told, found = data.onboarding_status, results.status
    if told is not None and found is not None and _status(told) != _status(found):
        message = (
            f"notification says {base.quoted(told)} but onboardingResults says {base.quoted(found)}"
        )
        return [Reason(base.CONTRADICTION, message, _F_RESULTS_STATUS)]
    inner = results.result.status if results.result is not None else None
    if inner is None:
        return []
    inner_status = _RESULT_STATUSES.get(inner)
    if inner_status is None:
        return [base.unrecognised(_F_RESULT_STATUS, inner)]
    overall = _status(told if told is not None else found)
    if overall in _RESULT_STATUSES and overall != inner_status:
        message = (
            f"onboarding status is {base.quoted(overall)} but the result status is "
            f"{base.quoted(inner)}"
        )
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
    name = _CAUSES.get(cause.code)
    if name is None:
        return Outcome.REFER, [base.unrecognised(_F_CODE, cause.code), _cause_reason(cause)]
    return _CAUSE_OUTCOMES[name], [_cause_reason(cause)]


def _cause_reasons(results: OnboardingResults) -> list[Reason]:
    cause = _cause(results.error_cause)
    return [] if cause is None else [_cause_reason(cause)]


def _onboarding(data: EventData, results: OnboardingResults, *, ended: bool) -> Verdict:
    """START_ONBOARDING and END_ONBOARDING by their status; only an ended one may pass."""
    conflicts = _conflicts(data, results)
    if conflicts:
        return Outcome.REFER, conflicts + _cause_reasons(results)
    raw = data.onboarding_status if data.onboarding_status is not None else results.status
    if not (raw or "").strip():
        return Outcome.REFER, [base.missing(_F_STATUS, "no onboardingStatus in the event")]
    status = _status(raw)
    if status == "SUCCESS" and not ended:
        message = "START_ONBOARDING with status SUCCESS: only END_ONBOARDING completes one"
        clash = Reason(base.CONTRADICTION, message, _F_STATUS)
        return Outcome.REFER, [clash, *_cause_reasons(results)]
    if status == "SUCCESS":
        return _success(data, results)
    if status == "ERROR":
        return _error(results)
    if status == "EXPIRED":
        message = results.message or "the onboarding expired before the user completed it"
        return Outcome.FAIL, [Reason("EXPIRED", message), *_cause_reasons(results)]
    if status in _PROGRESS:
        return Outcome.PENDING, [Reason(status, _PROGRESS[status])]
    field = _F_STATUS if data.onboarding_status is not None else _F_RESULTS_STATUS
    return Outcome.REFER, [base.unrecognised(field, raw)]


def _classify_dvfc(body: DvfcBody, dvfc: DvfcWebResult) -> Classification:
    notification = dvfc.notification or Notification()
    data = notification.event_data or EventData()
    results = dvfc.onboarding_results or OnboardingResults()
    event = notification.event
    word = _EVENTS.get(event)
    if word is None:
        word = _word(event or "")
        outcome, reasons = Outcome.PENDING, [base.unrecognised_event(_F_EVENT, event)]
    else:
        outcome, reasons = _onboarding(data, results, ended=word == END_ONBOARDING)
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
        occurred_at=base.timestamp(notification.event_date),
    )


# --- DVFC, IDnow-style -----------------------------------------------------------------------

_IDENT_RESULTS = base.EnumTable(
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


# IDnow's reason is a code (USER_CANCELLATION, TECH_CONNECTION) or an agent's free text, which
# may name the person: only a code is kept.
_REASON_CODE = re.compile(r"[A-Z0-9_]+")


def _classify_identification(body: DvfcBody, process: IdentificationProcess) -> Classification:
    result = process.result
    outcome = _IDENT_RESULTS.get(result)
    code = base.code(base.key(result))
    reason = (process.reason or "").strip()
    message = base.code(reason) if _REASON_CODE.fullmatch(reason) else None
    vendor = Reason(code, message) if code else None
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
        occurred_at=base.timestamp(process.identificationtime),
    )


# --- x-w2-topic notifications ----------------------------------------------------------------

# Pass, Fail and Refer map directly (docs/outcomes.md); an open alert asks for review. Recognised
# statuses are reported in one spelling, whatever case W2 sent, so a consumer can match them.
_VERDICTS = {"Pass": Outcome.PASS, "Fail": Outcome.FAIL, "Refer": Outcome.REFER}
_ALERT_STATUSES = base.EnumTable(
    {
        **_VERDICTS,
        "Open": Outcome.REFER,
        # A risk rating is a reviewer's view of one alert, not a verdict on the person.
        "High Risk": Outcome.REFER,
        "Medium Risk": Outcome.REFER,
        "Low Risk": Outcome.REFER,
        # A dismissed alert changes no verdict.
        "False Positive": Outcome.PENDING,
    }
)
_BUNDLE_STATUSES = base.EnumTable(_VERDICTS)


def _identity(
    word: str, owner: Id | None, item: Id | None, status: str | None, timestamp: str | None
) -> tuple[str, ...] | None:
    """A remediation is one reviewer action on one case or alert at one time."""
    if owner is None and item is None:
        return None
    return (word, _text(owner), _text(item), base.key(status) or "", timestamp or "")


def _alerts_outcome(outcomes: set[Outcome]) -> tuple[Outcome, list[Reason]]:
    """One outcome for a monitoring result's alerts: dismissed ones count for nothing."""
    verdicts = outcomes - {Outcome.PENDING}
    if not verdicts:
        return Outcome.PENDING, []
    if Outcome.REFER in verdicts:
        return Outcome.REFER, []
    if len(verdicts) > 1:
        clash = Reason(base.CONTRADICTION, "alerts both Pass and Fail", "alerts")
        return Outcome.REFER, [clash]
    return verdicts.pop(), []


def _monitoring(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, CaseResultMonitoring)
    alerts = [alert for alert in body.alerts or [] if alert is not None]
    reasons: list[Reason] = []
    outcomes: set[Outcome] = set()
    for index, alert in enumerate(alerts):
        known = _ALERT_STATUSES.find(alert.status)
        if known is None:
            reasons.append(base.unrecognised(f"alerts[{index}].status", alert.status))
            outcomes.add(Outcome.REFER)
            continue
        where = ", ".join(filter(None, (alert.service_name, alert.source)))
        message = f"alert {_text(alert.alert_id)} ({where})" if where else None
        reasons.append(Reason(known[0], message))
        outcomes.add(known[1])
    outcome, clash = _alerts_outcome(outcomes)
    reasons = clash + reasons
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
        occurred_at=base.timestamp(body.result_date),
    )


def _alert_remediation(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, AlertRemediation)
    status = body.alert_status if body.alert_status is not None else body.status
    known = _ALERT_STATUSES.find(status)
    if known is None:
        outcome, reasons = Outcome.REFER, [base.unrecognised("AlertStatus", status)]
    else:
        name, outcome = known
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
        occurred_at=base.timestamp(body.timestamp),
    )


def _bundle_remediation(fields: dict[str, object], word: str) -> Classification:
    body = _convert(fields, BundleRemediation)
    status = next(
        (s for s in (body.bundle_remediation_status, body.bundle_status, body.status) if s),
        None,
    )
    known = _BUNDLE_STATUSES.find(status)
    if known is None:
        outcome, reasons = Outcome.REFER, [base.unrecognised("BundleRemediationStatus", status)]
    else:
        name, outcome = known
        reasons = [Reason(name, "bundle remediated by a reviewer")]
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
        occurred_at=base.timestamp(body.timestamp),
    )


def _unknown_topic(fields: dict[str, object], topic: str) -> Classification:
    lowered = {name.lower(): value for name, value in fields.items()}
    usable = {
        name: value
        for name in ("id", "caseid")
        if isinstance(value := lowered.get(name), str | int) and not isinstance(value, bool)
    }
    return Classification(
        event=_word(topic),
        outcome=Outcome.PENDING,
        reasons=(base.unrecognised_event("x-w2-topic", topic),),
        subject=base.subject(result_id=usable.get("id"), case_id=usable.get("caseid")),
    )


TopicClassifier: TypeAlias = Callable[[dict[str, object], str], Classification]

_TOPICS = base.EnumTable(
    {
        "caseResultMonitoring": ("case_result_monitoring", _monitoring),
        "AlertRemediation": ("alert_remediation", _alert_remediation),
        "BundleRemediation": ("bundle_remediation", _bundle_remediation),
    }
)
# Topics whose bodies are the DVFC shapes, told apart by their own keys.
_DVFC_TOPICS = base.EnumTable({"DVFCWeb": True, "DVFC": True})
_DVFC_KEYS = ("dvfcwebresult", "identificationprocess")


def _lower_keys(value: object, depth: int = 3) -> object:
    """Keys in lower case, so CaseId, caseId and caseid match; topic bodies are shallow."""
    if depth == 0:
        return value
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item, depth - 1) for item in value]
    return value


_AT = re.compile(r"`(\$[^`]*)`$")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _body_path(fields: object, path: str) -> str:
    """``$.alerts[0].status`` as the body spells it (``$.Alerts[0].Status``)."""
    shown, node = "$", fields
    for match in _STEP.finditer(path):
        name, index = match.groups()
        if index is not None:
            shown += f"[{index}]"
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
            continue
        spelled = name
        if isinstance(node, dict):
            spelled = next((key for key in node if key.lower() == name), name)
            node = node.get(spelled)
        shown += f".{spelled}"
    return shown


def _convert(fields: dict[str, object], type_: type[T]) -> T:
    """A topic body as ``type_``, its keys matched whatever their case."""
    try:
        return msgspec.convert(_lower_keys(fields), type_, strict=False)
    except msgspec.ValidationError as exc:
        message = _AT.sub(lambda at: f"`{_body_path(fields, at.group(1))}`", str(exc))
        raise Undecodable(message) from exc


def classify(body: bytes, headers: Mapping[str, str]) -> Classification:
    topic = (headers.get("x-w2-topic") or "").strip()
    if topic and topic not in _DVFC_TOPICS:
        fields = base.decode(_OBJECT_DECODER, body)
        known = _TOPICS.get(topic)
        if known is not None:
            word, classifier = known
            return classifier(fields, word)
        # A DVFC body under a topic name the docs do not give is still a DVFC body.
        if not any(name.lower() in _DVFC_KEYS for name in fields):
            return _unknown_topic(fields, topic)
    dvfc = base.decode(_DVFC_DECODER, body)
    if dvfc.dvfc_web_result is not None:
        return _classify_dvfc(dvfc, dvfc.dvfc_web_result)
    if dvfc.identificationprocess is not None:
        return _classify_identification(dvfc, dvfc.identificationprocess)
    raise Undecodable("neither `dvfcWebResult` nor `identificationprocess` at `$`")
