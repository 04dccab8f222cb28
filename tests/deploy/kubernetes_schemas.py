"""Validating rendered Kubernetes objects offline: built-in kinds and the operators' CRDs.

Built-in kinds (Deployment, Service, ...) are checked by kubernetes-validate against the
Kubernetes OpenAPI schemas it ships, in its strict form (an unknown field is an error, as with
`kubectl apply --validate=strict`). Custom resources (RabbitmqCluster, Vhost, ..., ScaledObject)
are checked against the CRD schemas vendored in crd_schemas/ (SOURCES.md says from which release),
made strict the way the API server prunes: an object that lists its properties and does not
preserve unknown fields accepts no others.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

CRD_SCHEMAS = Path(__file__).parent / "crd_schemas"


class KubectlMissing(RuntimeError):
    pass


def render(kustomization: Path) -> list[dict[str, Any]]:
    """What `kubectl apply -k` would send: the kustomization rendered by kubectl's kustomize."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise KubectlMissing("kubectl is not on PATH; it renders the kustomize base")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(kustomization)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc is not None]


def strict(schema: Any) -> Any:
    """An openAPIV3Schema as a JSON Schema that refuses what the API server would prune."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: (value if key == "enum" else strict(value))
        for key, value in schema.items()
        if not key.startswith("x-kubernetes-") and key != "nullable"
    }
    # `properties` maps names to schemas; its keys are not keywords.
    if "properties" in schema:
        out["properties"] = {name: strict(sub) for name, sub in schema["properties"].items()}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if schema.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    preserves = schema.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in schema and "additionalProperties" not in schema and not preserves:
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    group, _, version = api_version.rpartition("/")
    path = CRD_SCHEMAS / f"{group}_{version}_{kind}.json"
    if not path.exists():
        return None
    schema = strict(json.loads(path.read_text()))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(doc: Mapping[str, Any], kubernetes_version: str) -> list[str]:
    """Every way `doc` breaks its schema, each as `path: message`; empty when it is valid."""
    validator = crd_validator(doc["apiVersion"], doc["kind"])
    if validator is None:
        return _builtin_problems(doc, kubernetes_version)
    found = [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(doc)
    ]
    # A CRD's schema says only `metadata: {type: object}`; the API server still checks it as
    # ObjectMeta. Checked here as the metadata of an object whose schema is built in.
    carrier = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": copy.deepcopy(doc["metadata"])}
    return found + _builtin_problems(carrier, kubernetes_version)


def _builtin_problems(doc: Mapping[str, Any], kubernetes_version: str) -> list[str]:
    try:
        kubernetes_validate.validate(dict(doc), kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path)) or '(top)'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        # Unvalidated is not valid: a new custom kind needs its CRD schema in crd_schemas/.
        return [f"(top): no schema for {doc['apiVersion']} {doc['kind']}"]
    return []


def latest_kubernetes() -> str:
    version: str = kubernetes_validate.latest_version()
    return version


def main(argv: list[str]) -> int:
    """`python -m tests.deploy.kubernetes_schemas KUSTOMIZATION_DIR [KUBERNETES_VERSION]`."""
    if len(argv) not in (1, 2):
        print(main.__doc__, file=sys.stderr)
        return 2
    version = argv[1] if len(argv) == 2 else latest_kubernetes()
    invalid = 0
    for doc in render(Path(argv[0])):
        found = problems(doc, version)
        invalid += bool(found)
        print(f"{doc['kind']}/{doc['metadata']['name']}: {'; '.join(found) or 'valid'}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
