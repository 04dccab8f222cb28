"""The dead-letter tests share the fault tests' fixtures (short retry delays, own broker)."""

from tests.faults.conftest import broker, topology

__all__ = ["broker", "topology"]
