"""The governance service's contracts: its RPC schemas and its message codes and enumerations.
Plain marshmallow and services.common.messages; no domain module, ORM code or nameko."""
