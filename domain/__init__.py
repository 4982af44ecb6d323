"""govledger's domain: aggregates, events, commands and rules. No I/O, and no imports of ours."""
