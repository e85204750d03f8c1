"""Routers of the team app, one module per area."""
