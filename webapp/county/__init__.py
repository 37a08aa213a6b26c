"""The county coordinator's view: the townships assigned to them."""
