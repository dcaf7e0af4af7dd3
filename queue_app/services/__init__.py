"""Verbs of the queue. Each takes a Session, locks the hall, asks the domain, flushes, and
returns (result, events). None of them commits or emits: the caller commits once, then
broadcasts the events."""
