"""What every service shares: tenancy, database session, outbox, event envelope,
errors, configuration, logging. One way to do each thing, in all four services."""
