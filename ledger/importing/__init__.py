"""Importing data documents (docs/data-format.md): their printed totals checked, each fact
planned against the ledger (new, a correction, or unchanged) and recorded; the cells of a
planned fact for review."""
