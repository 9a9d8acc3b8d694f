from django import template

register = template.Library()

STATUS_TONES = {"set": "ok", "setting": "warn", "unset": "muted", "removing": "warn", "unknown": "bad"}
SYNC_TONES = {"in_sync": "ok", "failed": "bad", "removed": "muted"}


@register.inclusion_tag("accesscodes/_badges.html")
def access_code_badges(access_code):
    return {
        "access_code": access_code,
        "status_tone": STATUS_TONES.get(access_code.status, "muted"),
        "sync_tone": SYNC_TONES.get(access_code.sync_state, "warn"),
    }
