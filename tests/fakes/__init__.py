"""Stand-ins for the services Verdict calls out to, served locally for tests and the benchmark.

Nothing is imported here, so that ``python -m tests.fakes.vendor_apis`` runs its module once.
"""
