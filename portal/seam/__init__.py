"""Seam API access for the portal: one HTTP client and its exceptions."""

from portal.seam.client import SeamClient, seam_client_for_workspace
from portal.seam.errors import (
    SeamAuthError,
    SeamConflict,
    SeamError,
    SeamInvalidInput,
    SeamNotFound,
    SeamRateLimited,
    SeamSettingsUnusable,
    SeamUnavailable,
)

__all__ = [
    "SeamAuthError",
    "SeamClient",
    "SeamConflict",
    "SeamError",
    "SeamInvalidInput",
    "SeamNotFound",
    "SeamRateLimited",
    "SeamSettingsUnusable",
    "SeamUnavailable",
    "seam_client_for_workspace",
]
