"""The API's contract, written once: request bodies, response payloads and the form of the
values in them, as pydantic types. Validation (web/validation.py), the read models
(services/read.py, realtime/snapshots.py) and the OpenAPI document (web/openapi.py) all use
these; the enums are the domain's own.

Pure like the domain: no Flask, no SQLAlchemy. See docs/decisions.md, "One API contract".
"""
