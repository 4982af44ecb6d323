"""The read side: a bitemporal read model built from the event log, and the queries on it."""
