"""Socket.IO: room names, connection handlers, and the only emitter (broadcast.py)."""
