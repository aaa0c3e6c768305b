"""The admission season after the main allocation: later rounds and the autumn reconciliation."""
