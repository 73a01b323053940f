"""Contracts of the points service: the RPC schemas (`schemas`) and the words a person reads, as message
codes and enumerations (`messages`). Plain marshmallow and the standard library: nothing here imports a
domain module, the models, SQLAlchemy's ORM or nameko, so the gateway can read them alone."""
