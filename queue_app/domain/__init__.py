"""Loket's pure domain: rules of the queue with no Flask and no SQLAlchemy.

Everything here takes plain values and returns plain values, so it is tested without an app.
"""
