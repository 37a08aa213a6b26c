"""Login, logout, users, roles, API tokens and the permission matrix."""
