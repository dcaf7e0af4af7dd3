"""gunicorn settings for one Loket process: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

One process = one gevent worker. Scale out by running several processes (one per core) behind
nginx, not several workers in one process: Socket.IO's long-polling transport needs every request
of a connection to reach the same worker, and nginx's ip_hash can only pick a process (a port),
never a worker inside it. Settings come from the environment, so the same file serves systemd
units (deploy/systemd/loket@.service), `make serve-cluster` and the tests.
"""

import os

# 127.0.0.1:$PORT unless LOKET_BIND says otherwise; `--bind` on the command line wins.
bind = os.environ.get("LOKET_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
worker_class = "gevent"
workers = 1
# Every open socket (phone status pages, boards, counters) holds one gevent connection; beyond
# this number the next client, or the next HTTP request, waits. Raise the process's open-file
# limit with it (LimitNOFILE in the systemd unit).
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
# Longer than nginx keeps idle upstream connections (60 s), so nginx never reuses a connection
# gunicorn has just closed.
keepalive = 75
timeout = 30
# On stop, open websockets are cut after this; clients reconnect to another process.
graceful_timeout = 10
# X-Forwarded-Proto is trusted only from nginx on this machine (set FORWARDED_ALLOW_IPS to the
# proxy's address when nginx runs on another box).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = os.environ.get("LOKET_PROC_NAME", "loket")
loglevel = os.environ.get("LOG_LEVEL", "info")
errorlog = "-"
# nginx keeps the access log; set GUNICORN_ACCESS_LOG=- to log requests here too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# gunicorn's control socket (gunicornc, since 25.1) defaults to one path per user, which every
# process of a host would share (loket@1…4, the tests' servers): off unless a path is given,
# one per process. systemd and `make serve-cluster` manage the processes.
control_socket_disable = not os.environ.get("LOKET_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["LOKET_CONTROL_SOCKET"]
