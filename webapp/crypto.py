"""Encryption at rest for ID and phone numbers: a rotating Fernet keyring and HMAC blind indexes."""

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class KeyringNotConfigured(RuntimeError):
    """Encrypted data was touched before create_app configured the keys."""


class Keyring:
    """Data keys (newest first, older ones still decrypt) and the blind-index key."""

    def __init__(self) -> None:
        self._fernet: MultiFernet | None = None
        self._primary: Fernet | None = None
        self._index_key: bytes | None = None

    def configure(self, data_keys: list[str], index_key: str) -> None:
        """Install keys; the first data key encrypts, all of them decrypt."""
        fernets = [Fernet(k.encode()) for k in data_keys]
        self._primary = fernets[0]
        self._fernet = MultiFernet(fernets)
        self._index_key = base64.urlsafe_b64decode(index_key.encode())

    def _multi(self) -> MultiFernet:
        if self._fernet is None:
            raise KeyringNotConfigured("data keys are not configured")
        return self._fernet

    def encrypt(self, plain: str) -> str:
        """Ciphertext of plain under the primary key."""
        return self._multi().encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Plain text of a token made under any configured key."""
        try:
            return self._multi().decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise KeyringNotConfigured("no configured key decrypts this value") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the primary key."""
        return self._multi().rotate(token.encode()).decode()

    def blind_index(self, plain: str, purpose: str = "") -> str:
        """A keyed, deterministic digest for equality lookups without decrypting.

        purpose separates the indexes of different kinds of value ("" for ID numbers, which
        came first, "phone" for phone numbers), so equal digests never cross kinds.
        """
        if self._index_key is None:
            raise KeyringNotConfigured("blind-index key is not configured")
        message = plain.strip().upper().encode()
        if purpose:
            message = purpose.encode() + b"\x00" + message
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


keyring = Keyring()


def new_key_material() -> dict[str, Any]:
    """A fresh data key and blind-index key."""
    return {
        "data_keys": [Fernet.generate_key().decode()],
        "index_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }


def load_or_create_dev_keys(path: Path) -> dict[str, Any]:
    """Development keys kept in instance/, created on first use with owner-only permissions."""
    if path.exists():
        return json.loads(path.read_text())
    material = new_key_material()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(material))
    path.chmod(0o600)
    return material


def add_dev_data_key(path: Path) -> None:
    """Prepend a new data key to the development key file (rotation, step one)."""
    material = load_or_create_dev_keys(path)
    material["data_keys"].insert(0, Fernet.generate_key().decode())
    path.write_text(json.dumps(material))


class EncryptedString(TypeDecorator[str]):
    """A string column stored as Fernet ciphertext."""

    impl = String(512)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else keyring.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        # "" is the column's server default (a row written before a value was set): no ciphertext
        return value if not value else keyring.decrypt(value)
