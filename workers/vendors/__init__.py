"""The vendor registry: one line per vendor. A vendor without a line here is dead-lettered.

Each adapter reads a body into :class:`policy.Facts`; its table (``<vendor>.toml`` beside it)
decides the outcome. ``CLASSIFIERS`` decide by the shipped tables; a worker decides by its
deployment's effective policy (workers/policies.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from workers.vendors import (
    idwise,
    incode,
    jumio,
    metamap,
    onfido,
    persona,
    policy,
    sumsub,
    veriff,
    w2,
)
from workers.vendors.base import Classifier

EXTRACTORS: Mapping[str, policy.Extractor] = {
    "incode": incode.extract,
    "w2": w2.extract,
    "idwise": idwise.extract,
    "metamap": metamap.extract,
    "onfido": onfido.extract,
    "veriff": veriff.extract,
    "sumsub": sumsub.extract,
    "persona": persona.extract,
    "jumio": jumio.extract,
}

SHIPPED: Mapping[str, policy.VendorPolicy] = {vendor: policy.load(vendor) for vendor in EXTRACTORS}
SHIPPED_DIGEST = policy.digest(SHIPPED)
CLASSIFIERS: Mapping[str, Classifier] = {
    vendor: policy.classifier(extract, policy.Table(SHIPPED[vendor]))
    for vendor, extract in EXTRACTORS.items()
}
