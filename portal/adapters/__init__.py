"""Adapters to outside systems, each an interface with the implementations built so far."""
