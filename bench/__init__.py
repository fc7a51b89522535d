"""Benchmark of Rappel at school scale: seeding, page timings and a load test (see README.md)."""
