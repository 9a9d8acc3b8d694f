from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import models


class SecretText(str):
    """Decrypted text whose repr hides it, so debug pages, tracebacks and `%r` logs never show the secret."""

    def __repr__(self) -> str:
        return f"<secret, {len(self)} characters>"


class UnreadableSecret:
    """A stored value that the configured FIELD_ENCRYPTION_KEY cannot decrypt (the key changed or was lost).

    It keeps the stored token, so saving the row without entering a new value leaves the token as it was:
    once the right key is configured again, the value reads as before. It never passes for the secret.
    """

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __eq__(self, other) -> bool:
        return isinstance(other, UnreadableSecret) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return "<unreadable secret>"

    __str__ = __repr__


class EncryptedTextField(models.TextField):
    """Stores text as a Fernet token; the plain value never reaches the database.

    Reads give `SecretText`, or `UnreadableSecret` when the token cannot be decrypted: one row with a
    lost key must not make every page that loads it fail.
    """

    def to_python(self, value):
        if isinstance(value, UnreadableSecret | SecretText) or value is None:
            return value
        return SecretText(super().to_python(value))

    def get_prep_value(self, value):
        if isinstance(value, UnreadableSecret):
            return value.token
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return settings.FIELD_ENCRYPTION.encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return SecretText(settings.FIELD_ENCRYPTION.decrypt(value.encode()).decode())
        except InvalidToken:
            return UnreadableSecret(value)
