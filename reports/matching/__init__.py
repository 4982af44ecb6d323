"""The parts of the matcher (reports/match.py): keys, units, staffing series, budget lines,
tasks, indicators, and the selectors of the printed totals."""
