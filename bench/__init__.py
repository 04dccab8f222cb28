"""The benchmark suite: ``python -m bench``. What it measures: docs/performance.md."""
