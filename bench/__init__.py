"""Benchmarks: realistic volumes and latency/throughput against a trivial route measured in the same run.

Not tests: nothing here runs under pytest. See bench/README.md.
"""
import os

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench"
# Both the generator (which encrypts the bench adviser's TOTP secret) and the served app must use it.
BENCH_SECRET_KEY = os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
# Encrypts the bench users' TOTP secrets: the generator and the served app must use the same one.
BENCH_TOTP_ENCRYPTION_KEY = os.environ.get("BENCH_TOTP_ENCRYPTION_KEY", "bench-only-totp-key-0123456789abcdef0123456789")
BENCH_EMAIL = "adviser@northern.bench.example"
BENCH_PASSWORD = "bench adviser long passphrase"
BENCH_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
BENCH_ORGANISATION = "Bench Northern Employment"
