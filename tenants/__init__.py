"""Tenancy for Lianxin: townships are tenants; nothing here imports webapp or notifications."""
