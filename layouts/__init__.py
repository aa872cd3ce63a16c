"""Component builders: data in, Dash components out (no data access, no clock)."""
