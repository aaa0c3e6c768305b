"""Seat-allocation engine for compulsory-school admission."""

__version__ = "0.1.0"
