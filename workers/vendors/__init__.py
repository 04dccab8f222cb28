"""The vendor registry: one line per vendor. A vendor without a line here is dead-lettered."""

from __future__ import annotations

from collections.abc import Mapping

from workers.vendors import idwise, incode, metamap, policy, w2
from workers.vendors.base import Classifier

CLASSIFIERS: Mapping[str, Classifier] = {
    "incode": incode.classify,
    "w2": w2.classify,
    "idwise": idwise.classify,
    "metamap": policy.classifier(metamap.extract, policy.Table(policy.load("metamap"))),
}
