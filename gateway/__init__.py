"""The HTTP gateway: identity and tenancy, the API for web clients and partners."""
