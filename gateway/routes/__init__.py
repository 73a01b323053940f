"""One routes module per area: health, auth (identity), tenants, and one per service."""
