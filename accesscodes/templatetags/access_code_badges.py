from django import template
from django.urls import reverse
from django.utils import timezone

from accesscodes.explanations import BACKUP, RETRY, access_code_issue_words
from accesscodes.selectors import code_phase

register = template.Library()

STATUS_TONES = {"set": "ok", "setting": "warn", "unset": "muted", "removing": "warn", "unknown": "bad"}
SYNC_TONES = {"in_sync": "ok", "failed": "bad", "removed": "muted"}
PHASE_TONES = {"upcoming": "muted", "active": "ok", "expired": "muted", "failed": "bad", "removed": "muted"}

ACTIONS = {RETRY: ("access_code_retry", "Retry now"), BACKUP: ("access_code_backup", "Pull a backup code")}


@register.inclusion_tag("accesscodes/_badges.html")
def access_code_badges(access_code):
    phase = code_phase(access_code, now=timezone.now())
    return {
        "access_code": access_code,
        "phase": phase,
        "phase_tone": PHASE_TONES[phase],
        "status_tone": STATUS_TONES.get(access_code.status, "muted"),
        "sync_tone": SYNC_TONES.get(access_code.sync_state, "warn"),
    }


@register.inclusion_tag("devices/_issue.html", takes_context=True)
def access_code_issue(context, issue, access_code=None, offered_actions=()):
    """One error or warning of a code, explained, with the button its advice names when the page offers
    that action (`offered_actions`: the actions this user may run on this code now)."""
    words = access_code_issue_words(issue)
    url_name, label = ACTIONS.get(words.action, ("", ""))
    offered = words.action in offered_actions
    return {
        "words": words,
        "action_url": reverse(url_name, args=[context["workspace"].slug, access_code.pk]) if offered else "",
        "action_label": label,
        "csrf_token": context.get("csrf_token"),
    }
