"""`make demo`: the demo data set, loaded through the services (see docs/demo.md)."""
