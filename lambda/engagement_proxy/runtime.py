"""What a container builds once, at cold start: settings, the upstream client, the cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engagement_proxy.cache import UpstreamCache
from engagement_proxy.config import SettingError, Settings, load_settings
from engagement_proxy.errors import ProxyMisconfigured
from engagement_proxy.tracing import UpstreamTracer, upstream_tracer
from engagement_proxy.upstream import SsmContacts


@dataclass(frozen=True)
class Runtime:
    """Everything requests share. Without valid settings it holds only the reason."""

    settings: Settings | None
    config_error: SettingError | None = None
    upstream: SsmContacts | None = None
    cache: UpstreamCache | None = None
    tracer: UpstreamTracer | None = None

    def configured(self) -> tuple[Settings, SsmContacts]:
        """Settings and upstream, or ProxyMisconfigured naming the bad setting."""
        if self.settings is None or self.upstream is None:
            setting = self.config_error.setting if self.config_error else "unknown"
            raise ProxyMisconfigured(f"The proxy's setting {setting} is missing or invalid.")
        return self.settings, self.upstream


def build_runtime(environ: Mapping[str, str]) -> Runtime:
    """The runtime for `environ`; invalid settings give a runtime that serves nobody."""
    try:
        settings = load_settings(environ)
    except SettingError as error:
        return Runtime(settings=None, config_error=error)
    return Runtime(
        settings=settings,
        upstream=SsmContacts(settings.upstream_timeout_seconds),
        cache=UpstreamCache(settings.cache) if settings.cache else None,
        tracer=upstream_tracer() if settings.trace_upstream else None,
    )
