"""What the four vendors' retrieval APIs answer: resources and error bodies, shaped as in the
contracts researched in docs (Onfido v3.6, Jumio KYX retrieval, Incode Omni, MetaMap v2).

The resources carry personal data and media URLs where the real ones do, so that a test can show
a client keeps none of it. The values are invented and distinctive, not the vendors' samples
(JANE DOE, FIRST LAST): a leak test searches for them, and a common word would match anywhere.
"""

from __future__ import annotations

import secrets
import time
import uuid
from http import HTTPStatus
from typing import Any

Json = dict[str, Any]

FIRST_NAME = "Janelle"
LAST_NAME = "Doemaker"
DATE_OF_BIRTH = "1987-06-15"
DOCUMENT_NUMBER = "X7730118"
PERSONAL_NUMBER = "870615-4412"
CURP = "DOMJ870615MDFXLN09"
STREET = "12 Imaginary Lane"
ADDRESS = f"{STREET}, 06600 Faketown"
# The dashboard user a MetaMap token is issued to: the merchant's staff, personal data too.
MERCHANT_FIRST_NAME = "Marguerite"
MERCHANT_LAST_NAME = "Adminsworth"

PERSONAL_DATA: tuple[str, ...] = (
    FIRST_NAME,
    LAST_NAME,
    DATE_OF_BIRTH,
    "15/06/1987",  # MetaMap's CURP check writes dates day first
    DOCUMENT_NUMBER,
    PERSONAL_NUMBER,
    CURP,
    STREET,
    MERCHANT_FIRST_NAME,
    MERCHANT_LAST_NAME,
)
"""Every personal value the resources hold, to look for (in any letter case) in what a client
kept. Incode's score holds none: its personal data is behind /omni/get/ocr-data."""

MEDIA_URL_MARKERS: tuple[str, ...] = ("/parts/", "media.getmati.com")
"""Fragments of every media URL the resources hold (Jumio credential parts, MetaMap media).
Onfido's reports name documents by id only, and Incode's score has no media."""

JUMIO_RETRIEVAL = "https://retrieval.amer-1.jumio.ai"
APPLICANT_ID = "61f659cb-c90b-4067-808a-6136b5c01351"


def phrase(status: int) -> str:
    """HTTP's reason phrase for ``status`` (faults may use codes HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Injected Fault"


# Onfido -------------------------------------------------------------------------------------

# Onfido's error `type` by status. Only authorization_error is in a stored source (its Ruby SDK's
# tests); the others are Onfido's public error table as remembered [A].
_ONFIDO_TYPES = {
    400: "bad_request",
    401: "authorization_error",
    403: "user_authorization_error",
    404: "resource_not_found",
    405: "method_not_allowed",
    422: "validation_error",
    429: "rate_limit",
}


def onfido_error(status: int, message: str) -> Json:
    kind = _ONFIDO_TYPES.get(status, "internal_server_error" if status >= 500 else "bad_request")
    return {"error": {"id": secrets.token_hex(12), "type": kind, "message": message, "fields": {}}}


def onfido_check(check_id: str, *, status: str, result: str | None) -> Json:
    """A Check; ``report_ids`` is filled in when it is served, from the reports added for it.
    ``result`` is null, not absent, until the check completes [A]."""
    return {
        "id": check_id,
        "created_at": "2024-04-04T09:20:40Z",
        "status": status,
        "result": result,
        "href": f"/v3.6/checks/{check_id}",
        "results_uri": f"https://dashboard.onfido.com/checks/{check_id}",
        "form_uri": None,
        "report_ids": [],
        "applicant_id": APPLICANT_ID,
        "applicant_provides_data": False,
        "tags": [],
        "webhook_ids": [],
        "privacy_notices_read_consent_given": True,
        "sandbox": True,
        "paused": False,
        "version": "3.6",
    }


def onfido_report(
    report_id: str,
    *,
    check_id: str | None,
    name: str,
    status: str,
    result: str | None,
    sub_result: str | None,
) -> Json:
    """A Report. Document reports carry the document's personal data and a sub_result; facial
    similarity reports a score; other kinds an empty breakdown (enough for a verdict)."""
    properties: Json = {}
    breakdown: Json = {}
    if name == "document":
        properties = {
            "first_name": FIRST_NAME,
            "last_name": LAST_NAME,
            "date_of_birth": DATE_OF_BIRTH,
            "date_of_expiry": "2031-05-28",
            "document_type": "passport",
            "issuing_country": "GBR",
            "nationality": "GBR",
            "gender": "Female",
            "document_numbers": [{"type": "document_number", "value": DOCUMENT_NUMBER}],
            "address": ADDRESS,
        }
        breakdown = {
            key: {"result": "clear"}
            for key in (
                "data_validation",
                "image_integrity",
                "data_consistency",
                "data_comparison",
                "compromised_document",
                "police_record",
            )
        } | {"visual_authenticity": {"result": result}}
    elif name == "facial_similarity_photo":
        properties = {"score": 0.93}
        breakdown = {
            key: {"result": result}
            for key in ("face_comparison", "image_integrity", "visual_authenticity")
        }
    return {
        "id": report_id,
        "created_at": "2024-04-04T09:20:41Z",
        "name": name,
        "href": f"/v3.6/reports/{report_id}",
        "status": status,
        "result": result,
        "sub_result": sub_result if name == "document" else None,
        "check_id": check_id,
        "documents": [{"id": "7af75a3a-ba34-4aa5-9e3e-096c9f56256b"}] if name == "document" else [],
        "properties": properties,
        "breakdown": breakdown,
    }


def onfido_workflow_run(run_id: str, *, status: str) -> Json:
    """A WorkflowRun. What ``output`` holds is up to the workflow; this one passes the document's
    data on, as Studio workflows often do [A]."""
    return {
        "id": run_id,
        "applicant_id": APPLICANT_ID,
        "workflow_id": "3b2c1a0e-5d4f-4e6a-9b8c-7d6e5f4a3b2c",
        "workflow_version_id": 3,
        "status": status,
        "dashboard_url": f"https://dashboard.onfido.com/results/{run_id}",
        "output": {
            "first_name": FIRST_NAME,
            "last_name": LAST_NAME,
            "dob": DATE_OF_BIRTH,
            "document_number": DOCUMENT_NUMBER,
        },
        "reasons": ["document_check_failed"] if status == "declined" else [],
        "error": (
            {"type": "task_error", "message": "A task failed"} if status == "error" else None
        ),
        "sdk_token": None,
        "tags": [],
        "customer_user_id": "user-42",
        "link": {
            "url": f"https://eu.onfido.app/l/{run_id[:8]}",
            "completed_redirect_url": None,
            "expired_redirect_url": None,
            "expires_at": None,
            "language": None,
        },
        "created_at": "2024-12-18T18:12:01Z",
        "updated_at": "2024-12-18T18:13:14Z",
    }


# Jumio --------------------------------------------------------------------------------------


def jumio_error(status: int, detail: str) -> Json:
    """The shape of Jumio's documented 429; used for its other errors too, which have none [A]."""
    return {"title": phrase(status), "status": status, "detail": detail}


def oauth_error(error: str, description: str) -> Json:
    """RFC 6749's token-endpoint error, for Jumio's auth server (its body is undocumented) [A]."""
    return {"error": error, "error_description": description}


# risk.score within each decision's default band; details.label of a liveness capability.
_JUMIO_SCORES = {"PASSED": 10.0, "WARNING": 50.0, "REJECTED": 90.0, "NOT_EXECUTED": -1.0}
_JUMIO_LIVENESS = {"PASSED": "OK", "WARNING": "BAD_QUALITY", "REJECTED": "MANIPULATED"}


def jumio_execution(account_id: str, execution_id: str, *, decision: str, status: str) -> Json:
    """Workflow Details. A NOT_EXECUTED decision is labelled with an expired status when there is
    one (as Jumio does), else PRECONDITION_NOT_FULFILLED [A]."""
    execution = f"{JUMIO_RETRIEVAL}/api/v1/accounts/{account_id}/workflow-executions/{execution_id}"
    document, selfie = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"{execution}/{c}")) for c in "IS")

    def capability(kind: str, label: str, *credentials: Json, **extra: Any) -> list[Json]:
        entry = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{execution}/{kind}")),
            "credentials": list(credentials),
            "decision": {"type": "PASSED", "details": {"label": label}},
        }
        return [entry | extra]

    id_credential = {"id": document, "category": "ID"}
    selfie_credential = {"id": selfie, "category": "SELFIE"}
    if decision == "NOT_EXECUTED":
        label = status if status.endswith("_EXPIRED") else "PRECONDITION_NOT_FULFILLED"
    else:
        label = decision
    liveness = capability("liveness", _JUMIO_LIVENESS.get(decision, label), selfie_credential)
    liveness[0]["decision"]["type"] = decision
    return {
        "workflow": {
            "id": execution_id,
            "status": status,
            "definitionKey": "10013",
            "userReference": "user-42",
            "customerInternalReference": "verdict-tx-0001",
        },
        "account": {"id": account_id},
        "createdAt": "2021-03-12T15:47:17.234Z",
        "startedAt": "2021-03-12T15:49:32.202Z",
        "completedAt": "2021-03-12T15:49:33.421Z",
        "decision": {
            "type": decision,
            "details": {"label": label},
            "risk": {"score": _JUMIO_SCORES.get(decision, 50.0)},
        },
        "steps": {"href": f"{execution}/steps"},
        "credentials": [
            {
                "id": credential,
                "category": category,
                "parts": [
                    {
                        "classifier": part,
                        "href": f"{JUMIO_RETRIEVAL}/api/v1/accounts/{account_id}"
                        f"/credentials/{credential}/parts/{part}",
                    }
                ],
            }
            for credential, category, part in (
                (document, "ID", "FRONT"),
                (selfie, "SELFIE", "FACE"),
            )
        ],
        "capabilities": {
            "usability": capability("usability", "OK", id_credential),
            "imageChecks": capability("imageChecks", "OK", id_credential),
            "extraction": capability(
                "extraction",
                "OK",
                id_credential,
                data={
                    "type": "PASSPORT",
                    "subType": "E_PASSPORT",
                    "issuingCountry": "AUT",
                    "firstName": FIRST_NAME.upper(),
                    "lastName": LAST_NAME.upper(),
                    "dateOfBirth": DATE_OF_BIRTH,
                    "expiryDate": "2031-12-01",
                    "issuingDate": "2021-12-01",
                    "documentNumber": DOCUMENT_NUMBER,
                    "personalNumber": PERSONAL_NUMBER,
                    "address": {"country": "AUT", "formattedAddress": ADDRESS},
                },
            ),
            "dataChecks": capability("dataChecks", "OK", id_credential),
            "liveness": liveness,
            "similarity": capability(
                "similarity",
                "MATCH",
                selfie_credential,
                id_credential,
                data={"similarity": "MATCH"},
            ),
        },
    }


def jumio_status(details: Json) -> Json:
    """What ``…/status`` answers for an execution whose details are ``details``."""
    account, workflow = details["account"]["id"], details["workflow"]
    href = f"{JUMIO_RETRIEVAL}/api/v1/accounts/{account}"
    return {
        "account": {"id": account, "href": href},
        "workflowExecution": {
            "id": workflow["id"],
            "href": f"{href}/workflow-executions/{workflow['id']}",
            "definitionKey": workflow["definitionKey"],
            "status": workflow["status"],
        },
    }


# Incode -------------------------------------------------------------------------------------


def incode_error(status: int, message: str, path: str) -> Json:
    return {
        "timestamp": int(time.time() * 1000),
        "status": status,
        "error": phrase(status),
        "message": message,
        "path": path,
    }


_INCODE_VALUES = {"OK": "100.0", "WARN": "50.0", "FAIL": "0.0"}


def incode_score(*, overall: str | None) -> Json:
    """A score. Without ``overall`` (a session not yet scored) the top-level verdict is absent and
    the sections still there [A]. No personal data and no media, as in Incode's answer."""

    def verdict(status: str) -> Json:
        return {"value": _INCODE_VALUES.get(status, "75.0"), "status": status, "key": None}

    def test(key: str, value: str = "PASSED") -> Json:
        return {"value": value, "status": "OK", "key": key}

    score: Json = {
        "idValidation": {
            "photoSecurityAndQuality": [
                test("tamperCheck"),
                test("alignment"),
                test("screenIdLiveness", "OK"),
                test("paperIdLiveness", "OK"),
                test("idAlreadyUsedCheck"),
            ],
            "idSpecific": [
                test("documentClassification", "100"),
                test("birthDateValidity", "100"),
                test("expirationDateValidity", "100"),
                test("fullNameCrosscheck"),
            ],
            "customFields": [test("firstNameMatch", "firstNameMatch")],
            "appliedRule": None,
            "overall": verdict(overall or "OK"),
        },
        "liveness": {
            "overall": verdict("OK"),
            "photoQuality": {"value": "100.0"},
            "liveness_score": {"value": "100.0", "status": "OK"},
        },
        "faceRecognition": {
            "maskCheck": {"value": "0.0", "status": "OK"},
            "lensesCheck": {"status": "OK"},
            "faceBrightness": {"value": "128.6", "status": "OK"},
            "overall": verdict("OK"),
        },
        "idOcrConfidence": {"overallConfidence": verdict("OK")},
    }
    if overall is not None:
        score["overall"] = verdict(overall)
    return score


# MetaMap ------------------------------------------------------------------------------------


def metamap_error(status: int, message: str, name: str) -> Json:
    """The body MetaMap's /oauth answers a bad client with; its other errors are undocumented and
    get the same shape [A]."""
    return {
        "code": status,
        "message": message,
        "name": name,
        "status": status,
        "statusCode": status,
    }


def metamap_token(token: str, expires_in: int) -> Json:
    return {
        "access_token": token,
        "expiresIn": expires_in,
        "payload": {
            "user": {
                "_id": "5e9576d9ac2c70001ca9f000",
                "firstName": MERCHANT_FIRST_NAME,
                "lastName": MERCHANT_LAST_NAME,
            }
        },
    }


def metamap_verification(verification_id: str, *, status: str | None) -> Json:
    """A verification, as recorded by the mati-python SDK's cassettes. ``identity`` is the object
    form; ``status=None`` leaves it out [A]."""
    media = "https://media.getmati.com"
    document_reading = {
        "fullName": {
            "value": f"{FIRST_NAME} {LAST_NAME}".upper(),
            "label": "Name",
            "sensitive": True,
        },
        "documentNumber": {"value": DOCUMENT_NUMBER, "label": "Document Number"},
        "dateOfBirth": {"value": DATE_OF_BIRTH, "label": "Day of Birth", "format": "date"},
        "expirationDate": {"value": "2030-12-31", "label": "Date of Expiration", "format": "date"},
        "curp": {"value": CURP, "label": "CURP"},
        "address": {"value": ADDRESS, "label": "Address"},
    }
    verification: Json = {
        "expired": False,
        "flow": {"id": "5e9576d9ac2c70001ca9f092", "name": "Default flow"},
        "steps": [
            {
                "status": 200,
                "id": "liveness",
                "error": None,
                "data": {
                    "videoUrl": f"{media}/file?location={verification_id}-video",
                    "spriteUrl": f"{media}/file?location={verification_id}-sprite",
                    "selfieUrl": f"{media}/file?location={verification_id}-selfie",
                },
            }
        ],
        "documents": [
            {
                "country": "MX",
                "region": "",
                "type": "national-id",
                "photos": [f"{media}/media/{verification_id}-front"],
                "steps": [
                    {"error": None, "status": 200, "id": "template-matching"},
                    {
                        "error": None,
                        "status": 200,
                        "id": "mexican-curp-validation",
                        "data": {
                            "curp": CURP,
                            "fullName": f"{LAST_NAME} {FIRST_NAME}".upper(),
                            "birthDate": "15/06/1987",
                            "name": FIRST_NAME.upper(),
                            "surname": LAST_NAME.upper(),
                        },
                    },
                    {
                        "error": None,
                        "status": 200,
                        "id": "document-reading",
                        "data": document_reading,
                    },
                    {"error": None, "status": 200, "id": "watchlists"},
                ],
                "fields": document_reading,
            }
        ],
        "hasProblem": False,
        "computed": {"age": {"data": 38}, "isDocumentExpired": {"data": {"national-id": False}}},
        "id": verification_id,
        "metadata": {"name": f"{FIRST_NAME} {LAST_NAME}", "dob": DATE_OF_BIRTH},
    }
    if status is not None:
        verification["identity"] = {"status": status}
    return verification
