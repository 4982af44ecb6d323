"""One document pipeline for both transports: parse (documents.py), limits (limits.py),
validation (validation.py), the executor (executor.py); extension.py runs it inside Strawberry's
own executions (WebSocket, in process)."""
