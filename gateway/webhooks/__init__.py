"""Partner integration in the gateway: webhook signing, delivery, retries, dead letters and replay
(`delivery.py`, `worker.py`), and inbound partner events (`inbound.py`)."""
