"""Each authentication method lets in the genuine webhook and refuses every forgery with 401,
and nothing refused reaches the broker (real RabbitMQ)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from tests.ingress.helpers import Accept, NothingPublished, StartIngress
from tests.support import Client

FIXTURES = Path(__file__).parent.parent / "fixtures"
METAMAP_BODY = (FIXTURES / "metamap" / "age-check--completed.json").read_bytes()
BODY = b'{"event": "Finished Journey", "body": {"eventId": "e-1", "finalDecision": "Complete"}}'


def hex_hmac(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    return hmac.new(secret.encode(), body, algorithm).hexdigest()


async def refused(
    client: Client, vendor: str, cases: dict[str, tuple[dict[str, str], bytes]]
) -> None:
    for case, (headers, body) in cases.items():
        response = await client.post(f"/webhooks/{vendor}", data=body, headers=headers)
        assert response.status == 401, case
        answer = await response.json()
        assert answer["error"] == "unauthenticated", case


async def test_metamap_hmac_on_the_raw_body_and_on_compact_json(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    secret = "metamap-webhook-secret"
    client = await ingress(metamap={"hmac": {"secrets": [secret]}})  # MetaMap's defaults
    pretty = json.dumps(json.loads(METAMAP_BODY), indent=4).encode()
    compact = json.dumps(json.loads(METAMAP_BODY), separators=(",", ":")).encode()
    good = hex_hmac(secret, METAMAP_BODY)
    await refused(
        client,
        "metamap",
        {
            "missing header": ({}, METAMAP_BODY),
            "bad signature": ({"x-signature": "ab" * 32}, METAMAP_BODY),
            "not hex": ({"x-signature": "not-a-signature"}, METAMAP_BODY),
            "wrong secret": ({"x-signature": hex_hmac("other", METAMAP_BODY)}, METAMAP_BODY),
            "other body": ({"x-signature": good}, METAMAP_BODY.replace(b"28", b"12")),
            "sha512": ({"x-signature": hex_hmac(secret, METAMAP_BODY, "sha512")}, METAMAP_BODY),
            "compact of other body": ({"x-signature": hex_hmac(secret, b"{}")}, pretty),
            "not json, not signed": ({"x-signature": good}, b"not json"),
            "wrong header": ({"x-hub-signature": good}, METAMAP_BODY),
        },
    )
    await nothing_published()

    inbound = await accept(client, "metamap", {"X-Signature": good}, METAMAP_BODY)
    assert "x-signature" not in inbound.http_headers
    upper = {"x-signature": good.upper()}
    await accept(client, "metamap", upper, METAMAP_BODY)
    # What MetaMap's SDK signs: the compact form, while the body arrives pretty-printed.
    signed_compact = {"x-signature": hex_hmac(secret, compact)}
    await accept(client, "metamap", signed_compact, pretty)
    await nothing_published()


async def test_hmac_prefix_algorithm_and_encoding(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    secret = "s3cret"
    table = {
        "auth": ["hmac"],
        "hmac": {
            "header": "X-Hub-Signature",
            "algorithm": "sha512",
            "encoding": "base64",
            "prefix": "sha512=",
            "secrets": [secret],
        },
    }
    client = await ingress(w2=table)
    digest = base64.b64encode(hmac.new(secret.encode(), BODY, "sha512").digest()).decode()
    await refused(
        client,
        "w2",
        {
            "no prefix": ({"x-hub-signature": digest}, BODY),
            "wrong prefix": ({"x-hub-signature": "sha256=" + digest}, BODY),
            "hex instead": (
                {"x-hub-signature": "sha512=" + hex_hmac(secret, BODY, "sha512")},
                BODY,
            ),
            "other body": ({"x-hub-signature": "sha512=" + digest}, BODY + b" "),
            # compact_json is MetaMap's alone: a re-serialised form is not accepted here.
            "compact only": (
                {"x-hub-signature": "sha512=" + digest},
                json.dumps(json.loads(BODY), indent=2).encode(),
            ),
        },
    )
    await nothing_published()
    await accept(client, "w2", {"x-hub-signature": "sha512=" + digest}, BODY)


async def test_secret_rotation_accepts_old_and_new(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    client = await ingress(
        metamap={"hmac": {"secrets": ["old-secret", "new-secret"]}},
        incode={"auth": ["bearer"], "bearer": {"tokens": ["old-token", "new-token"]}},
    )
    for secret in ("old-secret", "new-secret"):
        headers = {"x-signature": hex_hmac(secret, METAMAP_BODY)}
        await accept(client, "metamap", headers, METAMAP_BODY)
    for token in ("old-token", "new-token"):
        headers = {"Authorization": f"Bearer {token}"}
        await accept(client, "incode", headers, BODY)
    await refused(
        client,
        "metamap",
        {"retired secret": ({"x-signature": hex_hmac("older", METAMAP_BODY)}, METAMAP_BODY)},
    )
    await refused(client, "incode", {"retired": ({"Authorization": "Bearer older"}, BODY)})
    await nothing_published()


def basic_header(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_basic(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    client = await ingress(
        idwise={"auth": ["basic"], "basic": {"user": "idwise", "passwords": ["pw-1", "pw-2"]}}
    )
    response = await client.post("/webhooks/idwise", data=BODY)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="verdict"'
    token = base64.b64encode(b"idwise:pw-1").decode()
    await refused(
        client,
        "idwise",
        {
            "wrong password": (basic_header("idwise", "pw-3"), BODY),
            "wrong user": (basic_header("other", "pw-1"), BODY),
            "as bearer": ({"Authorization": f"Bearer {token}"}, BODY),
            "no scheme": ({"Authorization": token}, BODY),
            "garbage": ({"Authorization": "Basic !!!"}, BODY),
        },
    )
    await nothing_published()
    inbound = await accept(client, "idwise", basic_header("idwise", "pw-2"), BODY)
    assert "authorization" not in inbound.http_headers
    lower_scheme = {"Authorization": f"basic {token}"}
    await accept(client, "idwise", lower_scheme, BODY)


async def test_bearer(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    client = await ingress(incode={"auth": ["bearer"], "bearer": {"tokens": ["t0k3n"]}})
    response = await client.post("/webhooks/incode", data=BODY)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="verdict"'
    await refused(
        client,
        "incode",
        {
            "missing": ({}, BODY),
            "wrong token": ({"Authorization": "Bearer t0k3N"}, BODY),
            "token prefix": ({"Authorization": "Bearer t0k"}, BODY),
            "as basic": ({"Authorization": "Basic t0k3n"}, BODY),
            "in another header": ({"X-Token": "t0k3n"}, BODY),
        },
    )
    await nothing_published()
    await accept(client, "incode", {"Authorization": "Bearer t0k3n"}, BODY)


async def test_static_header_is_checked_and_not_forwarded(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    table = {"auth": ["header"], "header": {"name": "X-Incode-Hook", "values": ["v-1"]}}
    client = await ingress(incode=table)
    response = await client.post("/webhooks/incode", data=BODY)
    assert "WWW-Authenticate" not in response.headers
    await refused(
        client,
        "incode",
        {
            "missing": ({}, BODY),
            "wrong value": ({"X-Incode-Hook": "v-2"}, BODY),
            "empty": ({"X-Incode-Hook": ""}, BODY),
            "as bearer": ({"Authorization": "Bearer v-1"}, BODY),
        },
    )
    await nothing_published()
    headers = {"x-incode-hook": "v-1", "X-Request-Id": "r-1"}
    inbound = await accept(client, "incode", headers, BODY)
    assert "x-incode-hook" not in inbound.http_headers  # not a credential-looking name: stripped
    assert inbound.http_headers["x-request-id"] == "r-1"


def standard_headers(
    key: bytes, body: bytes, *, msg_id: str = "msg_1", at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
    }


async def test_standard_webhooks(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    key = b"standard-webhooks-key-0123456789"
    other = b"another-key-of-the-same-length!!"
    secret = "whsec_" + base64.b64encode(key).decode()
    client = await ingress(
        w2={"auth": ["standard-webhooks"], "standard-webhooks": {"secrets": [secret]}}
    )
    good = standard_headers(key, BODY)
    now = time.time()
    cases: dict[str, tuple[dict[str, str], bytes]] = {
        "too old (a replay)": (standard_headers(key, BODY, at=now - 600), BODY),
        "too far ahead": (standard_headers(key, BODY, at=now + 600), BODY),
        "wrong secret": (standard_headers(other, BODY), BODY),
        "other body": (good, BODY + b" "),
        "other id": ({**good, "webhook-id": "msg_2"}, BODY),
        "other timestamp": ({**good, "webhook-timestamp": str(int(now) - 1)}, BODY),
        "bad timestamp": ({**good, "webhook-timestamp": "soon"}, BODY),
        "unknown version": (
            {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")},
            BODY,
        ),
        "not base64": ({**good, "webhook-signature": "v1,***"}, BODY),
    }
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        cases[f"no {name}"] = ({k: v for k, v in good.items() if k != name}, BODY)
    await refused(client, "w2", cases)
    await nothing_published()

    inbound = await accept(client, "w2", good, BODY)
    assert "webhook-signature" not in inbound.http_headers
    assert inbound.http_headers["webhook-id"] == "msg_1"
    # Several signatures (during a rotation on the sender's side): one valid one is enough.
    wrong = standard_headers(other, BODY)["webhook-signature"]
    several = {**good, "webhook-signature": f"{wrong} {good['webhook-signature']}"}
    await accept(client, "w2", several, BODY)
    # Within the tolerance either way.
    await accept(client, "w2", standard_headers(key, BODY, at=now - 120), BODY)
    await accept(client, "w2", standard_headers(key, BODY, at=now + 120), BODY)


async def test_several_methods_all_or_any(
    ingress: StartIngress,
    accept: Accept,
    nothing_published: NothingPublished,
) -> None:
    both: dict[str, Any] = {
        "auth": ["bearer", "hmac"],
        "bearer": {"tokens": ["tok"]},
        "hmac": {"secrets": ["sec"]},
    }
    client = await ingress(incode=both, idwise={**both, "require": "any"})
    token = {"Authorization": "Bearer tok"}
    signature = {"x-signature": hex_hmac("sec", BODY)}
    await refused(
        client,
        "incode",
        {
            "token only": (token, BODY),
            "signature only": (signature, BODY),
            "good token, bad signature": ({**token, "x-signature": "00"}, BODY),
        },
    )
    await refused(client, "idwise", {"neither": ({"Authorization": "Bearer no"}, BODY)})
    await nothing_published()
    await accept(client, "incode", {**token, **signature}, BODY)
    await accept(client, "idwise", token, BODY)
    await accept(client, "idwise", signature, BODY)
