"""The admin console's verbs and reads, one module per entity: `services` (the hall's
services), `counters`, `staff` (accounts) and `site` (the hall's settings); `changes` holds
what a verb leaves to broadcast (`Applied`, its events; `domain.events.ConfigChanged`).

Each verb checks the rules a form cannot (unique codes and numbers, known services, a counter
free before it closes, an admin who would lock themselves out), changes the rows, writes one
audit row per change through services/audit.py — field → [before, after], never a password —
flushes and returns what to broadcast after the caller's commit. Hall set-up changes take the
hall's lock like every queue mutation and advance its `seq`, so screens order them among the
queue's news. The reads are what the console's pages and forms show (lists, codes and numbers
already taken), so the views run no query of their own.

Nothing is ever deleted: a service or counter is closed, a staff account deactivated.
"""
