"""Vendor the schemas of the CustomResourceDefinitions deploy/kubernetes uses.

    .venv/bin/python tests/deploy/crd_schemas/refresh.py CRD.yaml [CRD.yaml ...]

Each CRD file (from the operator's release, see SOURCES.md) becomes one JSON file per served
version, `<group>_<version>_<kind>.json`, holding the version's `openAPIV3Schema` with the
`description` texts left out (they are documentation, and most of the size). Nothing else is
changed: tests/deploy/kubernetes_schemas.py makes the schema strict when it loads it.
"""

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


def without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: without_descriptions(value)
            for key, value in node.items()
            # A property may itself be called "description"; only the keyword is dropped.
            if not (key == "description" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [without_descriptions(item) for item in node]
    return node


def main(paths: list[str]) -> None:
    for path in paths:
        crd = yaml.safe_load(Path(path).read_text())
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", False):
                continue
            schema = without_descriptions(version["schema"]["openAPIV3Schema"])
            target = HERE / f"{group}_{version['name']}_{kind}.json"
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            print(target.relative_to(HERE))


if __name__ == "__main__":
    main(sys.argv[1:])
