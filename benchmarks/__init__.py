"""Benchmarks: scale data, the statistics pages against raw SQL, and the Excel import."""
