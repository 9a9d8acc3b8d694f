"""What Seam's error and warning codes mean for a property manager, and what to do about them."""

ERRORS = {
    "failed_to_set_on_device": "The lock did not accept the code. Check the lock is online and has room, then retry"
    " — or pull a backup code if the device has a backup pool.",
    "failed_to_remove_from_device": "The lock did not remove the code. It may still open the door: check the lock.",
    "code_modified_external_to_seam": "Someone changed or removed this code outside Seam (for example in the lock's"
    " app). Seam is putting it back as the portal defined it.",
    "duplicate_code_on_device": "The lock already has this PIN. Choose another code.",
    "duplicate_code_attempt_prevented": "Seam stopped a duplicate of an existing code on this lock.",
    "no_space_for_access_code_on_device": "The lock is full: remove unused codes, then retry.",
    "replaced_by_newer_access_code": "A newer code replaced this one on the lock.",
    "access_code_state_unconfirmed": "Seam cannot confirm the code is on the lock; it keeps checking.",
    "insufficient_permissions": "The connected account lacks permission to manage codes on this lock.",
    "provider_issue": "The lock provider's service reported a problem; Seam retries automatically.",
    "account_disconnected": "The lock's account is disconnected from Seam: reconnect it to manage codes.",
    "device_offline": "The lock is offline: codes will be set when it reconnects.",
    "device_removed": "The lock was removed from Seam.",
    "hub_disconnected": "The lock's hub or bridge is disconnected: codes wait until it is back.",
    # Found by the portal, not Seam: Seam processed a create late and the lock holds two copies.
    "duplicate_on_lock": "Seam created this code twice on the lock. The extra copy could not be deleted: it"
    " opens the door until it expires.",
}

WARNINGS = {
    "delay_in_setting_on_device": "Setting the code on the lock is taking longer than usual.",
    "delay_in_removing_from_device": "Removing the code from the lock is taking longer than usual.",
    "being_deleted": "The code is being deleted.",
    "code_modified_external_to_seam": "The code was changed outside Seam; external changes are allowed for it.",
    "using_backup_access_code": "A backup code from the device's pool is in use instead of the original.",
    "management_transferred": "Management of this code moved to another Seam workspace or integration.",
    "igloo_algopin_must_be_used_within_24_hours": "igloohome: the guest must use this PIN within 24 hours of its"
    " start, or it stops working.",
    "schlage_access_code_ambiguous_timezone_dst_risk": "Schlage: a daylight-saving change may shift this code's"
    " hours by one.",
    "ultraloq_access_code_disabled": "Ultraloq: the code is disabled in the Ultraloq app; only that app can"
    " re-enable it.",
}


def explain(issue: dict) -> str:
    """A sentence for one Seam error or warning object, with a fallback for codes we do not know yet."""
    code = issue.get("error_code") or issue.get("warning_code") or "unknown"
    known = ERRORS.get(code) if "error_code" in issue else WARNINGS.get(code)
    return known or issue.get("message") or f"Seam reported “{code}”."
