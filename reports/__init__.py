"""Work reports as govledger reads them: a report's text (as extracted from its PDF or HWP)
becomes a Reading (reader.py, with the readers of each table in reading/): facts in the report's
own words, each with the line it was printed on, checked against the totals the report prints.
Matched against what the ledger holds (holdings.py), a Reading becomes a Draft (match.py, with
the rules in matching/): a data document the importer records, with what matched what and
why. Pure: text and values in, values out; no database, no files."""
