"""The next five vendors' authentication, checked against the vendors' documented vectors and
refusing forgeries: through the real ingress and broker (nothing refused is published)."""

from __future__ import annotations

import hashlib
import hmac
import time

from tests.ingress.helpers import Accept, NothingPublished, StartIngress
from tests.ingress.test_authentication import hex_hmac, refused

# Onfido's own test vector (onfido-python, tests/test_classic_webhook_event_verification.py).
ONFIDO_TOKEN = "wU99mE6jJ7nXOLFwZ0tJymM1lpI15pZh"
ONFIDO_BODY = (
    b'{"payload":{"resource_type":"check","action":"check.completed","object":{"id":'
    b'"f2302f45-227d-413d-ad61-09ec077a086a","status":"complete","completed_at_iso8601":'
    b'"2024-04-04T09:21:21Z","href":"https://api.onfido.com/v3.6/checks/'
    b'f2302f45-227d-413d-ad61-09ec077a086a"}}}'
)
ONFIDO_SIGNATURE = "77ebc3e418f26be6eebb47f7ebe551321de26734fc273961e075fc9ab163d9c7"

# Computed from the documented algorithms (the vendors publish no vectors for these).
VERIFF_SECRET = "test-shared-secret"
VERIFF_BODY = (
    b'{"status":"success","verification":{"id":"12df6045-3846-3e45-946a-14fa6136d78b",'
    b'"status":"approved","code":9001}}'
)
VERIFF_SIGNATURE = "dc1314379d4830732e524216b2a5a4a8542ada593a9441dfde5df54bd9b1fecc"
SUMSUB_SECRET = "test-secret"
SUMSUB_BODY = (
    b'{"applicantId":"5cb56e8e0a975a35f333cb83","type":"applicantReviewed",'
    b'"reviewResult":{"reviewAnswer":"GREEN"}}'
)
SUMSUB_SHA256 = "c3e46a4dc11829f3ece35c64db031e6fc1e16ada3fc274c84bc9f6037cdbb698"
PERSONA_SECRET = "wbhsec_test"
PERSONA_BODY = b'{"data":{"type":"event","id":"evt_test","attributes":{"name":"inquiry.approved"}}}'
PERSONA_AT_1700000000 = "99c3bf85fc6054bc16fe2da5c948cb9a6f10d3042561574e18125e94c63b2988"


def test_the_documented_vectors_are_what_the_algorithms_give() -> None:
    # The ingress's checks are HMACs of exactly these bytes: the vectors pin the bytes signed.
    assert hex_hmac(ONFIDO_TOKEN, ONFIDO_BODY) == ONFIDO_SIGNATURE
    assert hex_hmac(VERIFF_SECRET, VERIFF_BODY) == VERIFF_SIGNATURE
    assert hex_hmac(SUMSUB_SECRET, SUMSUB_BODY) == SUMSUB_SHA256
    signed = b"1700000000." + PERSONA_BODY
    assert hmac.new(PERSONA_SECRET.encode(), signed, hashlib.sha256).hexdigest() == (
        PERSONA_AT_1700000000
    )


async def test_onfido_x_sha2_signature(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(onfido={"hmac": {"secrets": [ONFIDO_TOKEN]}})  # Onfido's defaults
    await refused(
        client,
        "onfido",
        {
            "missing": ({}, ONFIDO_BODY),
            "forged": ({"x-sha2-signature": "00" * 32}, ONFIDO_BODY),
            "other body": ({"x-sha2-signature": ONFIDO_SIGNATURE}, ONFIDO_BODY + b" "),
            "legacy sha1 header": ({"x-signature": ONFIDO_SIGNATURE}, ONFIDO_BODY),
        },
    )
    await nothing_published()
    inbound = await accept(client, "onfido", {"X-SHA2-Signature": ONFIDO_SIGNATURE}, ONFIDO_BODY)
    assert "x-sha2-signature" not in inbound.http_headers


async def test_veriff_x_hmac_signature(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(veriff={"hmac": {"secrets": [VERIFF_SECRET]}})
    legacy = hashlib.sha256(VERIFF_BODY + VERIFF_SECRET.encode()).hexdigest()
    await refused(
        client,
        "veriff",
        {
            "missing": ({}, VERIFF_BODY),
            "forged": ({"x-hmac-signature": "ab" * 32}, VERIFF_BODY),
            "legacy sha256(body+secret)": ({"x-hmac-signature": legacy}, VERIFF_BODY),
        },
    )
    await nothing_published()
    await accept(client, "veriff", {"X-HMAC-SIGNATURE": VERIFF_SIGNATURE}, VERIFF_BODY)


async def test_sumsub_digest_by_the_named_algorithm_only_when_accepted(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(sumsub={"hmac": {"secrets": [SUMSUB_SECRET]}})  # SHA-256 and SHA-512
    sha512 = hex_hmac(SUMSUB_SECRET, SUMSUB_BODY, "sha512")
    sha1 = hex_hmac(SUMSUB_SECRET, SUMSUB_BODY, "sha1")

    def signed(digest: str, algorithm: str) -> dict[str, str]:
        return {"x-payload-digest": digest, "x-payload-digest-alg": algorithm}

    await refused(
        client,
        "sumsub",
        {
            "no digest": ({"x-payload-digest-alg": "HMAC_SHA256_HEX"}, SUMSUB_BODY),
            "no algorithm named": ({"x-payload-digest": SUMSUB_SHA256}, SUMSUB_BODY),
            "another algorithm named": (signed(SUMSUB_SHA256, "HMAC_MD5_HEX"), SUMSUB_BODY),
            "sha1, not enabled": (signed(sha1, "HMAC_SHA1_HEX"), SUMSUB_BODY),
            "sha256 digest named sha512": (signed(SUMSUB_SHA256, "HMAC_SHA512_HEX"), SUMSUB_BODY),
            "forged": (signed("00" * 32, "HMAC_SHA256_HEX"), SUMSUB_BODY),
        },
    )
    await nothing_published()
    await accept(client, "sumsub", signed(SUMSUB_SHA256, "HMAC_SHA256_HEX"), SUMSUB_BODY)
    await accept(client, "sumsub", signed(sha512, "hmac_sha512_hex"), SUMSUB_BODY)

    with_sha1 = await ingress(sumsub={"hmac": {"secrets": [SUMSUB_SECRET], "algorithms": ["sha1"]}})
    await accept(with_sha1, "sumsub", signed(sha1, "HMAC_SHA1_HEX"), SUMSUB_BODY)
    await refused(
        with_sha1,
        "sumsub",
        {"sha256, now not listed": (signed(SUMSUB_SHA256, "HMAC_SHA256_HEX"), SUMSUB_BODY)},
    )


def persona_header(secret: str, body: bytes, at: int) -> str:
    signature = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={signature}"


async def test_persona_signature_with_tolerance_and_rotation(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    client = await ingress(
        persona={"hmac-timestamped": {"secrets": [PERSONA_SECRET], "tolerance": 300}}
    )
    now = int(time.time())
    good = persona_header(PERSONA_SECRET, PERSONA_BODY, now)
    # A minute past the tolerance either way: the requests go out seconds after `now` on a busy
    # machine, which would bring a timestamp just past it back within (the exact bounds are
    # tests/ingress/test_parts.py's, on a clock of their own).
    beyond = 300 + 60
    await refused(
        client,
        "persona",
        {
            "missing": ({}, PERSONA_BODY),
            "forged": ({"persona-signature": f"t={now},v1={'00' * 32}"}, PERSONA_BODY),
            "stale": (
                {"persona-signature": persona_header(PERSONA_SECRET, PERSONA_BODY, now - beyond)},
                PERSONA_BODY,
            ),
            "from the future": (
                {"persona-signature": persona_header(PERSONA_SECRET, PERSONA_BODY, now + beyond)},
                PERSONA_BODY,
            ),
            "the documented vector, long stale": (
                {"persona-signature": f"t=1700000000,v1={PERSONA_AT_1700000000}"},
                PERSONA_BODY,
            ),
            "timestamp changed": (
                {"persona-signature": good.replace(f"t={now}", f"t={now - 1}")},
                PERSONA_BODY,
            ),
            "other secret": (
                {"persona-signature": persona_header("wbhsec_other", PERSONA_BODY, now)},
                PERSONA_BODY,
            ),
            "no v1": ({"persona-signature": f"t={now}"}, PERSONA_BODY),
            "huge t": ({"persona-signature": f"t={'9' * 40},v1={'00' * 32}"}, PERSONA_BODY),
        },
    )
    await nothing_published()
    await accept(client, "persona", {"Persona-Signature": good}, PERSONA_BODY)
    # While a secret rotates: two sets, space-separated; either may be the one that matches.
    rotating = f"{persona_header('wbhsec_old', PERSONA_BODY, now)} {good}"
    await accept(client, "persona", {"persona-signature": rotating}, PERSONA_BODY)


async def test_jumio_only_from_its_published_addresses(
    ingress: StartIngress, accept: Accept, nothing_published: NothingPublished
) -> None:
    body = (
        b'{"callbackSentAt":"2026-12-07T10:00:00Z",'
        b'"workflowExecution":{"id":"x","status":"PROCESSED"}}'
    )
    elsewhere = await ingress(jumio={"auth": ["none"], "allow_from": ["jumio-emea-1"]})
    response = await elsewhere.post("/webhooks/jumio", data=body)
    assert response.status == 403  # the test client is 127.0.0.1, not Jumio's EU sender
    await nothing_published()
    here = await ingress(jumio={"auth": ["none"], "allow_from": ["jumio-emea-1", "127.0.0.1"]})
    await accept(here, "jumio", {}, body)
