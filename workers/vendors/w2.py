"""W2 webhooks: decoded here, classified by w2.toml (docs/policy.md, docs/outcomes.md).

W2 sends several shapes to one endpoint; the ``x-w2-topic`` header tells the notification topics
apart, and the body tells the two DVFC shapes apart:

- DVFC onboarding (no header, or topic ``DVFCWeb``): ``{id, caseId, dvfcWebResult{notification,
  onboardingResults}}``. Document images (``listCapturedDocs``) and owner data are never decoded.
- DVFC, IDnow-style (the other published version of the same page):
  ``{identificationprocess{result, reason, ...}, userdata, ...}``; ``userdata`` is never decoded.
- Topics ``caseResultMonitoring``, ``AlertRemediation`` and ``BundleRemediation``: keys matched
  case-insensitively, since W2 mixes camelCase and PascalCase between topics; a decode error
  names the key as the body spelled it.

Values extracted, each under W2's key with its parent object (a full path would not fit in a
reason code):

- DVFC onboarding: ``eventData.onboardingStatus`` and ``onboardingResults.status`` (without
  either, the notification's is missing; beside an errorCause, under the keys
  ``<field>.with_cause``, where the cause explains an ERROR), ``errorCause.code`` when W2 sent a
  cause (with W2's ``details`` as its message, or said on their own without a code),
  ``result.status``, ``eventData.withQualityIssues`` and every analysis result's
  ``analysisData.withQualityIssues`` (as text: ``true``, ``1``...), each only when W2 sent it;
  and ``notification.event``, which only START_ONBOARDING reads (only END_ONBOARDING may pass).
  ``onboardingResults.message`` is the message of ``onboardingResults.status``.
- IDnow-style: ``identificationprocess.result``; its ``reason`` is the result's message only when
  it is a code (``USER_CANCELLATION``): an agent's free text there may name the person.
- ``caseResultMonitoring``: every alert's ``alerts.status`` (missing when W2 counts alerts but
  lists none), and a note per alert naming it (id, service and source).
- ``AlertRemediation``: ``AlertStatus`` (or ``Status``); ``BundleRemediation``:
  ``BundleRemediationStatus`` (or ``BundleStatus``, or ``Status``). Comments and User (free text
  and a reviewer's email) are never read.

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

from shared.outcome import Reason
from workers.vendors import base
from workers.vendors.base import Id, Undecodable
from workers.vendors.policy import Facts, Value

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

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _word(name: str) -> str:
    """An undocumented topic or event name as a routing-key word: ``brandNew`` -> ``brand_new``."""
    return base.slug(_CAMEL.sub("_", name))


def _flag(value: Flag) -> str:
    """A quality flag as text, as the table lists it: ``True`` -> ``true``, ``1`` -> ``1``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _text(value: Id | None) -> str:
    return base.id_text(value) or ""


# --- DVFC onboarding -------------------------------------------------------------------------

START_ONBOARDING = "start_onboarding"
END_ONBOARDING = "end_onboarding"
_EVENTS = base.EnumTable({"START_ONBOARDING": START_ONBOARDING, "END_ONBOARDING": END_ONBOARDING})

STATUS = "eventData.onboardingStatus"
RESULTS_STATUS = "onboardingResults.status"
CAUSE = "errorCause.code"
RESULT_STATUS = "result.status"
QUALITY = "eventData.withQualityIssues"
ANALYSIS_QUALITY = "analysisData.withQualityIssues"
EVENT = "notification.event"
# Beside an errorCause the statuses are read under keys of their own (w2.toml: ERROR is then the
# cause's to explain).
WITH_CAUSE = ".with_cause"


def _onboarding_values(
    event: str | None, data: EventData, results: OnboardingResults
) -> tuple[dict[str, Value | tuple[Value, ...]], dict[str, str], tuple[Reason, ...]]:
    """What an onboarding event says, each field only where W2 sent it (the table requires a
    value of each field read)."""
    # The event's own name: START_ONBOARDING stands against a SUCCESS (w2.toml).
    values: dict[str, Value | tuple[Value, ...]] = {EVENT: event}
    messages: dict[str, str] = {}
    notes: tuple[Reason, ...] = ()
    cause = results.error_cause
    if cause is not None and not (cause.code or cause.details):
        cause = None  # An empty errorCause is none.
    # An errorCause is read when W2 sent one (a code or details): then it needs its code.
    if cause is not None:
        values[CAUSE] = cause.code
        if cause.details and (cause.code or "").strip():
            messages[CAUSE] = cause.details
        elif cause.details:
            # No code to carry W2's details: they are said on their own.
            notes = (Reason("error", cause.details, "errorCause.details"),)
    suffix = "" if cause is None else WITH_CAUSE
    told, found = data.onboarding_status, results.status
    # The notification's status, else the results'; without either, the notification's is missing.
    if told is not None or found is None:
        values[STATUS + suffix] = told
    if found is not None:
        values[RESULTS_STATUS + suffix] = found
        if results.message:
            messages[RESULTS_STATUS + suffix] = results.message
    result = results.result
    if result is not None and result.status is not None:
        values[RESULT_STATUS] = result.status
    if data.with_quality_issues is not None:
        values[QUALITY] = _flag(data.with_quality_issues)
    analyses = (result.analysis_results if result is not None else None) or []
    flags = tuple(
        _flag(analysis.analysis_data.with_quality_issues)
        for analysis in analyses
        if analysis is not None
        and analysis.analysis_data is not None
        and analysis.analysis_data.with_quality_issues is not None
    )
    if flags:
        values[ANALYSIS_QUALITY] = flags
    return values, messages, notes


def _dvfc(body: DvfcBody, dvfc: DvfcWebResult) -> Facts:
    notification = dvfc.notification or Notification()
    data = notification.event_data or EventData()
    results = dvfc.onboarding_results or OnboardingResults()
    event = notification.event
    word = _EVENTS.get(event)
    known = word is not None
    if word is None:
        # An event W2 has not documented (rule 3).
        word = _word(event or "")
        values: dict[str, Value | tuple[Value, ...]] = {}
        messages: dict[str, str] = {}
        notes: tuple[Reason, ...] = ()
    else:
        values, messages, notes = _onboarding_values(event, data, results)
    status = data.onboarding_status if data.onboarding_status is not None else results.status
    return Facts(
        event=word,
        event_name=event,
        event_field=EVENT,
        known=known,
        values=values,
        messages=messages,
        notes=notes,
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

IDENTIFICATION_PROCESS = "identification_process"
IDENT_RESULT = "identificationprocess.result"

# IDnow's reason is a code (USER_CANCELLATION, TECH_CONNECTION) or an agent's free text, which
# may name the person: only a code is kept.
_REASON_CODE = re.compile(r"[A-Z0-9_]+")


def _identification(body: DvfcBody, process: IdentificationProcess) -> Facts:
    result = process.result
    reason = (process.reason or "").strip()
    message = base.code(reason) if _REASON_CODE.fullmatch(reason) else None
    process_id = next(
        (v for v in (process.id, process.session_id, process.transactionnumber) if v is not None),
        None,
    )
    return Facts(
        event=IDENTIFICATION_PROCESS,
        values={IDENT_RESULT: result},
        messages={IDENT_RESULT: message} if message else {},
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
            IDENTIFICATION_PROCESS,
            str(process_id),
            base.key(result) or "",
            process.identificationtime or "",
        ),
        occurred_at=base.timestamp(process.identificationtime),
    )


# --- x-w2-topic notifications ----------------------------------------------------------------


def _identity(
    word: str, owner: Id | None, item: Id | None, status: str | None, timestamp: str | None
) -> tuple[str, ...] | None:
    """A remediation is one reviewer action on one case or alert at one time."""
    if owner is None and item is None:
        return None
    return (word, _text(owner), _text(item), base.key(status) or "", timestamp or "")


def _monitoring(fields: dict[str, object], word: str) -> Facts:
    body = _convert(fields, CaseResultMonitoring)
    alerts = [alert for alert in body.alerts or [] if alert is not None]
    statuses: Value | tuple[Value, ...] = tuple(alert.status for alert in alerts)
    # Which alert said what: the statuses alone do not tell a consumer which list matched.
    notes: list[Reason] = []
    for alert in alerts:
        where = ", ".join(filter(None, (alert.service_name, alert.source)))
        status = base.code(alert.status)
        message = " ".join(
            filter(None, (f"alert {_text(alert.alert_id)}", status, f"({where})" if where else ""))
        )
        notes.append(Reason("alert", message, "alerts"))
    count = body.number_of_alerts or 0
    if not alerts and count > 0:
        # W2 counts alerts it does not list: their statuses are missing.
        statuses = None
        notes.append(
            Reason(
                f"numberOfAlerts:{count}", f"{count} alerts reported, none listed", "numberOfAlerts"
            )
        )
    return Facts(
        event="case_result_monitoring",
        values={"alerts.status": statuses},
        notes=tuple(notes),
        subject=base.subject(result_id=body.id, case_id=body.case_id),
        identity=None if body.id is None else (word, str(body.id)),
        occurred_at=base.timestamp(body.result_date),
    )


def _alert_remediation(fields: dict[str, object], word: str) -> Facts:
    body = _convert(fields, AlertRemediation)
    status = body.alert_status if body.alert_status is not None else body.status
    # Comments and User are left out: free text and a reviewer's email.
    return Facts(
        event="alert_remediation",
        values={"AlertStatus": status},
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


def _bundle_remediation(fields: dict[str, object], word: str) -> Facts:
    body = _convert(fields, BundleRemediation)
    status = next(
        (s for s in (body.bundle_remediation_status, body.bundle_status, body.status) if s),
        None,
    )
    return Facts(
        event="bundle_remediation",
        values={"BundleRemediationStatus": status},
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


def _unknown_topic(fields: dict[str, object], topic: str) -> Facts:
    lowered = {name.lower(): value for name, value in fields.items()}
    usable = {
        name: value
        for name in ("id", "caseid")
        if isinstance(value := lowered.get(name), str | int) and not isinstance(value, bool)
    }
    return Facts(
        event=_word(topic),
        event_name=topic,
        event_field="x-w2-topic",
        known=False,
        subject=base.subject(result_id=usable.get("id"), case_id=usable.get("caseid")),
    )


TopicExtractor: TypeAlias = Callable[[dict[str, object], str], Facts]

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


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    topic = (headers.get("x-w2-topic") or "").strip()
    if topic and topic not in _DVFC_TOPICS:
        fields = base.decode(_OBJECT_DECODER, body)
        known = _TOPICS.get(topic)
        if known is not None:
            word, extractor = known
            return extractor(fields, word)
        # A DVFC body under a topic name the docs do not give is still a DVFC body.
        if not any(name.lower() in _DVFC_KEYS for name in fields):
            return _unknown_topic(fields, topic)
    dvfc = base.decode(_DVFC_DECODER, body)
    if dvfc.dvfc_web_result is not None:
        return _dvfc(dvfc, dvfc.dvfc_web_result)
    if dvfc.identificationprocess is not None:
        return _identification(dvfc, dvfc.identificationprocess)
    raise Undecodable("neither `dvfcWebResult` nor `identificationprocess` at `$`")
