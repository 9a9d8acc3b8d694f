"""Unguessable URL tokens and webhook secrets."""

import base64
import hashlib
import secrets

TOKEN_BYTES = 32
SECRET_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_webhook_secret() -> str:
    """A `whsec_` secret in the format Svix and Standard Webhooks use (base64 of random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
