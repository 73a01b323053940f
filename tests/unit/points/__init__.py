"""Unit tests of the points service (the moral bank): rules over in-memory SQLite, no broker."""
