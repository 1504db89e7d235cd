"""Domain errors. Each carries a `detail` that is safe to show a caller: never upstream text,
never secure content. How each maps to HTTP is decided in one place, `problems`."""

from __future__ import annotations


class ProxyError(Exception):
    # Set when SSM Contacts caused the error, for the audit line and the metrics.
    upstream_code: str | None = None
    upstream_request_id: str | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProxyMisconfigured(ProxyError):
    """The Lambda's settings were refused at cold start (config.SettingError); nobody is served
    until they are fixed."""


class InvalidEngagementId(ProxyError):
    """The engagement id, region or query is malformed; nothing was asked upstream."""


class CallerDenied(ProxyError):
    """No identity, or the access policy gives this caller nothing."""


class EngagementNotFound(ProxyError):
    """Upstream has no such engagement, or it belongs to an account this proxy does not serve."""


class InvalidQuery(ProxyError):
    """A query parameter the route does not take, or one given twice; nothing was asked."""


class UnreadableEvent(ProxyError):
    """The event is neither entrance's shape: the function is wired wrongly, not the caller."""


class RouteNotFound(ProxyError):
    pass


class MethodNotAllowed(ProxyError):
    pass


class UpstreamRejected(ProxyError):
    """SSM Contacts refused the request as invalid (ValidationException)."""


class UpstreamRoleFault(ProxyError):
    """The proxy's own role or KMS key is at fault (AccessDenied, DataEncryption): an operator
    must act, the caller cannot."""


class UpstreamFailed(ProxyError):
    """SSM Contacts answered, but not usefully: a server error, an error outside its service
    model, or an answer that could not be read or is not a usable engagement."""


class UpstreamThrottled(ProxyError):
    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class UpstreamTimeout(ProxyError):
    """SSM Contacts did not answer within the configured budget."""


class UpstreamUnreachable(ProxyError):
    """No connection to SSM Contacts could be made (refused, no route, no name)."""


class InvalidIncidentId(ProxyError):
    """The incident id or region is malformed; nothing was asked upstream."""


class IncidentNotFound(ProxyError):
    """The incident belongs to an account this proxy does not serve."""


class InvalidTimeWindow(ProxyError):
    """`since` or `until` is not RFC 3339, or the window is backwards or too long."""
