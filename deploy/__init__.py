"""Deployment of Loket beyond one process: the nginx site, gunicorn settings, systemd units, and
`deploy.cluster.Cluster`, which starts N gunicorn processes behind nginx on this machine (used by
`make serve-cluster`, the cluster tests and the benchmarks). See docs/deploy.md."""
