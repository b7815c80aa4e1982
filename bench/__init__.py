"""Benchmarks (`make bench`): connector throughput, archive search cost, action start-up and memory, each against a
baseline measured in the same run, written to bench/RESULTS.md. Never shipped; no test asserts a timing."""
