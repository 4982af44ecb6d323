"""The readers of each kind of table or list a work report prints (staffing, budget, units,
tasks and audit follow-ups, indicators), and the text and placement helpers they share."""
