"""Benchmarks: each one measures Bureau against a baseline taken in the same run."""
