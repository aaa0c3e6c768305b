"""Interfaces: the command line (and later the service and the store)."""
