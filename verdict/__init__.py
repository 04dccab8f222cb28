"""The ``verdict`` command: run the ingress, the worker, or both; operate the dead letters."""
