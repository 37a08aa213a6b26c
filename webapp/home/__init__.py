"""The landing redirect and the township home page."""
