"""Alignment heads, losses, training, and step alignment."""
