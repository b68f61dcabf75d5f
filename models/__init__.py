"""Alignment heads, losses, and the Lightning module and data module that train them."""
