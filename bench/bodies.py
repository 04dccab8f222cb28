"""Request bodies for the benchmark, written to files that wrk's manifest lists.

Every reference point and the project are driven by the same manifests, so they get the same
bodies in the same order.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

SMALL_BYTES = 2048
# Every MIX_EVERY-th request of the mix carries MIX_LARGE_BYTES of W2-style base64 images.
MIX_EVERY = 50
MIX_LARGE_BYTES = 3 * 1024 * 1024
MEMORY_BODY_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Body:
    vendor: str
    data: bytes


def small(vendor: str = "w2", size: int = SMALL_BYTES, seed: int = 0) -> Body:
    """A W2-like JSON webhook padded to exactly ``size`` bytes."""
    rng = random.Random(seed)  # noqa: S311 - filler, not secrets
    document = {
        "type": "dvfc.completed",
        "id": f"bench-{seed:08d}",
        "data": {"result": "Pass", "checks": [{"name": "face_match", "result": "Pass"}]},
        "padding": "",
    }
    filler = size - len(json.dumps(document).encode())
    document["padding"] = "".join(rng.choice("abcdefghijklmnop") for _ in range(max(filler, 0)))
    data = json.dumps(document).encode()
    return Body(vendor, data[:size] if len(data) > size else data)


def with_images(size: int, vendor: str = "w2", seed: int = 0) -> Body:
    """A W2-like webhook carrying base64 document images, about ``size`` bytes."""
    rng = random.Random(seed)  # noqa: S311 - filler, not secrets
    per_image = size // 2 * 3 // 4  # two images; base64 grows by 4/3
    images = [base64.b64encode(rng.randbytes(per_image)).decode() for _ in range(2)]
    document = {
        "type": "dvfc.completed",
        "id": f"bench-large-{seed:08d}",
        "data": {
            "result": "Pass",
            "documents": [
                {"side": side, "image": image} for side, image in zip("FB", images, strict=True)
            ],
        },
    }
    return Body(vendor, json.dumps(document).encode())


def fixtures() -> list[Body]:
    """Every documented vendor example in tests/fixtures, vendors interleaved."""
    by_vendor = {
        folder.name: [
            Body(folder.name, path.read_bytes()) for path in sorted(folder.glob("*.json"))
        ]
        for folder in sorted(FIXTURES.iterdir())
        if folder.is_dir()
    }
    interleaved: list[Body] = []
    longest = max(len(bodies) for bodies in by_vendor.values())
    for index in range(longest):
        interleaved.extend(bodies[index] for bodies in by_vendor.values() if index < len(bodies))
    return interleaved


def small_set() -> list[Body]:
    return [small(seed=seed) for seed in range(16)]


def mix_set() -> list[Body]:
    """Mostly 2 KB bodies; one in MIX_EVERY a few MB of images."""
    bodies = [small(seed=seed) for seed in range(MIX_EVERY * 2)]
    for n, index in enumerate(range(MIX_EVERY - 1, len(bodies), MIX_EVERY)):
        bodies[index] = with_images(MIX_LARGE_BYTES, seed=n)
    return bodies


def memory_set() -> list[Body]:
    return [with_images(MEMORY_BODY_BYTES, seed=seed) for seed in range(2)]


def write_manifest(directory: Path, name: str, bodies: list[Body]) -> Path:
    """Write the bodies and a wrk manifest ("<path>\\t<file>" per line); return the manifest."""
    folder = directory / name
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, body in enumerate(bodies):
        path = folder / f"{index:05d}.json"
        path.write_bytes(body.data)
        lines.append(f"/webhooks/{body.vendor}\t{path}")
    manifest = directory / f"{name}.manifest"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def mean_size(bodies: list[Body]) -> float:
    return sum(len(body.data) for body in bodies) / len(bodies)


# A Jumio PROCESSED callback, as Jumio documents it; the benchmark gives each its own execution.
_JUMIO_PROCESSED = FIXTURES / "jumio" / "processed--documented-example.json"
JUMIO_ACCOUNT = "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx"


def jumio_processed(count: int) -> list[tuple[str, Body]]:
    """``count`` PROCESSED callbacks, each about an execution of its own: (its id, the body).
    Distinct ids, so that no fetch is shared (one resource is fetched once at a time)."""
    template = json.loads(_JUMIO_PROCESSED.read_bytes())
    out = []
    for number in range(count):
        execution = f"bench-execution-{number:08d}"
        template["workflowExecution"]["id"] = execution
        out.append((execution, Body("jumio", json.dumps(template).encode())))
    return out
