"""Converging the portal's access codes with Seam: push pending changes, poll status, reconcile the locks.

Every step can run twice, or twice at once: a short lease on the row lets one worker at a time work on a
code, `create_attempted_at` is committed before a create is sent, and a retry after an unanswered create
first looks for the code in Seam (by its PIN, or by name and window when the provider picks the PIN).
"""
