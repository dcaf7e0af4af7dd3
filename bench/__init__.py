"""Loket's benchmarks: plain Python tools that start the servers they need and stop them.

Run them from the repository root with the virtualenv's Python, e.g.
`python -m bench.run_all --short` (what `make bench` does) or one tool alone
(`python -m bench.issue --help`). Figures and the command behind each: docs/benchmarks.md.
Benchmarks never run inside `make test`.
"""
