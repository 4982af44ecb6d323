"""Queries on the read model (asyncpg): units, staffing, budget lines, tasks, indicators, the
public log, digests and changes."""
