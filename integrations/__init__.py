"""What carries the log to the outside: the fan-out that feeds every subscription of a process, and
signed webhooks. No GraphQL here: the composition root (api/runtime.py) hands in what is needed
to render an event."""
