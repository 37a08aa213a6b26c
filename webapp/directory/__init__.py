"""组织目录: the organisations that accept mobile members, on the platform and off it."""
