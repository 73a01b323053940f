"""The moral bank over HTTP, with the services running."""
