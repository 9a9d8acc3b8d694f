from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class EncryptedTextField(models.TextField):
    """Stores text as a Fernet token; the plain value never reaches the database."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return settings.FIELD_ENCRYPTION.encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return settings.FIELD_ENCRYPTION.decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                f"Cannot decrypt {self.model.__name__}.{self.name}: FIELD_ENCRYPTION_KEY does not match the "
                "key the value was stored with."
            ) from exc
