"""The workspace settings' tabs. Portal owns the settings pages and their navigation; a higher app adds
its own tab (the bookings app: calendar feeds, booking sources) from its `AppConfig.ready()`, so portal
shows it without importing that app. Tabs show in registration order."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SettingsTab:
    key: str
    label: str
    # Reversed with the workspace's slug as its only argument.
    url_name: str


class SettingsTabs:
    def __init__(self) -> None:
        self._tabs: dict[str, SettingsTab] = {}

    def register(self, tab: SettingsTab) -> None:
        # Idempotent by key: `ready()` may run more than once in tests.
        self._tabs[tab.key] = tab

    def tabs(self) -> list[SettingsTab]:
        return list(self._tabs.values())


settings_tabs = SettingsTabs()

settings_tabs.register(SettingsTab(key="members", label="Members", url_name="settings_members"))
settings_tabs.register(SettingsTab(key="tokens", label="API tokens", url_name="settings_tokens"))
settings_tabs.register(SettingsTab(key="webhooks", label="Outgoing webhooks", url_name="settings_webhooks"))
settings_tabs.register(SettingsTab(key="seam", label="Seam key", url_name="settings_seam"))
