"""Ticket storage: models, engine, migrations, numbering, lifecycle and retention."""
