"""The jobs service's contracts: what crosses its boundary, apart from its domain code.

`schemas` holds the RPC payloads and answers (plain marshmallow, also the gateway's OpenAPI document);
`messages` the message codes and enumerations whose words come from the catalogues. Neither imports a
domain module, the models, SQLAlchemy's ORM or nameko. The events are in services/jobs/events.py.
"""
