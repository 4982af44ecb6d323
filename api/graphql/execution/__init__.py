"""One document pipeline for both transports: parse, limits, validation (documents.py, limits.py)
and the executor."""
