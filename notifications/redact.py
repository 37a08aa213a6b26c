"""Masking for logs and screens: notifications never write a phone number or address in clear."""

import re

_PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def mask_phone(value: str) -> str:
    """139****5678 (a +86 prefix is kept)."""
    if not value:
        return ""
    prefix = ""
    if value.startswith("+86"):
        prefix, value = "+86", value[3:]
    if len(value) < 7:
        return prefix + "*" * len(value)
    return prefix + value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    """z***@example.com."""
    if "@" not in value:
        return mask_phone(value)
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    """A phone number or an e-mail address, masked."""
    return mask_email(value) if "@" in value else mask_phone(value)


def scrub(text: str) -> str:
    """text with every mobile number in it masked (provider answers may echo the number)."""
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)
