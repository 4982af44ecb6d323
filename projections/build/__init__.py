"""The projector's side of the read model, split as the eventsourcing library splits a
projection: what an event means for the rows (`projection.py`, with `rows.py` and
`chain_check.py`), where the rows and the position are kept (`tracking.py`, `writer.py`,
`layout.py`), the national rollup each batch keeps (`rollup.py`, over the tree of `tree.py`),
and who runs it (`runner.py`, with `halting.py`), reading the log through `log.py`."""
