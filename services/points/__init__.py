"""points: the moral bank (道德银行)."""
