"""The training service's contracts: its RPC schemas (`schemas`) and the codes of its messages and
enumerations (`messages`). Plain marshmallow and the standard library: no domain module, ORM or nameko,
so the gateway and other services may import them."""
