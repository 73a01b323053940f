"""Tables of the governance service (its own database). Its domain tables arrive with its issue;
the outbox and processed-event tables every service has are already here."""

from services.common.database import service_base

Base = service_base("governance")
