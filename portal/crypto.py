"""Key handling for secrets encrypted at rest. Kept free of Django imports: settings.py loads it."""

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet


def build_fernet(keys: list[str], *, fallback_secret: str) -> MultiFernet:
    """The first key encrypts, every key decrypts (rotation). No key: derived from SECRET_KEY (dev only)."""
    if not keys:
        digest = hashlib.sha256(f"field-encryption:{fallback_secret}".encode()).digest()
        return MultiFernet([Fernet(base64.urlsafe_b64encode(digest))])
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"key #{position} is not 32 url-safe base64-encoded bytes") from exc
    return MultiFernet(fernets)
