"""Business rules: services take a session and plain values, return plain values or models."""
