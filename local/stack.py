"""Local mode: the SSM Contacts endpoint, the Lambda as worker processes, and the gateway."""

from __future__ import annotations

import errno
import logging
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from socketserver import BaseServer
from types import FrameType

from engagement_proxy.identity import caller_from_jwt, caller_from_rest_identity
from engagement_proxy.policy import parse_access_policy, tier_for
from local import ssm_contacts
from local.deployed_api import GatewaySettings
from local.gateway import Gateway
from local.gateway_server import GatewayServer, make_server
from local.http_api_event import authorizer_claims
from local.lambda_workers import LambdaWorkers
from local.sigv4 import SERVICE, IdentitiesError, LocalIdentity, load_identities
from local.tokens import (
    DEFAULT_GROUPS_CLAIM,
    ISSUER,
    TOKEN_IDENTITIES_PATH,
    load_signing_key,
    load_token_identities,
    local_trusted_issuer,
    sign_claims,
    token_claims,
)

LOCAL_DIR = Path(__file__).resolve().parent
IDENTITIES_PATH = LOCAL_DIR / "identities.json"
POLICY_PATH = LOCAL_DIR / "policy.json"
SERVED_ACCOUNT_ID = "111122223333"
SERVED_REGIONS = "us-east-2,us-west-2"
REGION = "us-east-2"
EXAMPLE_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/"
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
EXAMPLE_PATH = "/engagements/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
# Printed once everything serves; the end-to-end fixture waits for it.
READY = "Engagement Proxy local mode is ready on"
# Settings the user may give the handler through `make local`'s environment.
_HANDLER_PASSTHROUGH = (
    "UPSTREAM_TIMEOUT_SECONDS",
    "POWERTOOLS_LOG_LEVEL",
    "OIDC_GROUPS_CLAIM",
    "CACHE_ENABLED",
    "CACHE_TTL_RUNNING_SECONDS",
    "CACHE_TTL_STOPPED_SECONDS",
    "CACHE_TTL_NOT_FOUND_SECONDS",
    "CACHE_MAX_ENTRIES",
)

_log = logging.getLogger("local")


@dataclass(frozen=True)
class LocalSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> LocalSettings:
        return cls(
            port=_integer(environ, "PORT", 8080, 0, 65535),
            workers=_integer(environ, "WORKERS", 4, 1, 32),
        )


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def handler_environment(
    environ: Mapping[str, str], endpoint_url: str, policy_text: str
) -> dict[str, str]:
    """The Lambda's configuration. Fake credentials and no shared AWS config files: local mode
    must never reach real AWS, whatever profile the user's shell has."""
    environment = {
        "SERVED_ACCOUNT_ID": SERVED_ACCOUNT_ID,
        "SERVED_REGIONS": SERVED_REGIONS,
        "ACCESS_POLICY": policy_text,
        "AWS_ENDPOINT_URL_SSM_CONTACTS": endpoint_url,
        "AWS_ACCESS_KEY_ID": "AKIALOCALLAMBDAROLE0",
        "AWS_SECRET_ACCESS_KEY": "local-only-lambda-role-not-a-real-key",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "engagement-proxy",
        "POWERTOOLS_METRICS_NAMESPACE": "EngagementProxy",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    environment.update({name: environ[name] for name in _HANDLER_PASSTHROUGH if name in environ})
    return environment


def run(environ: Mapping[str, str]) -> int:
    """Serve until SIGINT or SIGTERM, then stop everything that was started."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        settings = LocalSettings.from_environment(environ)
        identities = load_identities(IDENTITIES_PATH)
        policy_text = POLICY_PATH.read_text(encoding="utf-8")
        with ExitStack() as running:
            url = _start(running, settings, identities, policy_text, environ)
            print(instructions(url, identities, policy_text), flush=True)
            print(f"{READY} {url} (Ctrl-C stops everything)", flush=True)
            stop.wait()
            print("Stopping...", flush=True)
    except (ValueError, IdentitiesError, OSError, RuntimeError) as error:
        print(f"local mode could not start: {error}", file=sys.stderr, flush=True)
        return 1
    print("Stopped: nothing is left running.", flush=True)
    return 0


def _start(
    running: ExitStack,
    settings: LocalSettings,
    identities: Mapping[str, LocalIdentity],
    policy_text: str,
    environ: Mapping[str, str],
) -> str:
    """Start the endpoint, the workers and the gateway; `running` stops them in reverse."""
    tokens = local_trusted_issuer(load_signing_key())
    endpoint = ssm_contacts.make_server()
    _serve_in_background(running, endpoint, "ssm-contacts")
    endpoint_url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    _log.info("SSM Contacts endpoint on %s", endpoint_url)

    workers = LambdaWorkers(
        handler_environment(environ, endpoint_url, policy_text), settings.workers
    )
    # Bound before the workers' cold starts, so that a busy port fails at once.
    gateway = _bind_gateway(
        settings, Gateway(identities, workers.invoke, GatewaySettings(REGION), tokens=tokens)
    )
    running.callback(gateway.server_close)
    running.callback(workers.stop)
    workers.start()
    _log.info("%d Lambda worker processes ready", settings.workers)
    _serve_in_background(running, gateway, "gateway")
    return gateway.url


def _bind_gateway(settings: LocalSettings, gateway: Gateway) -> GatewayServer:
    try:
        return make_server(gateway, settings.host, settings.port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise OSError(
            f"{settings.host}:{settings.port} is in use: set PORT to another port"
        ) from None


def _serve_in_background(running: ExitStack, server: BaseServer, name: str) -> None:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    running.callback(stop)


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)


# The pages of the example engagement, the seeded incident's engagements across regions, and
# the engagements the seed started on 2021-05-18 (a query's ":" sent encoded).
PAGING_PATHS = (
    EXAMPLE_PATH + "/pages",
    "/incidents/checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements",
    "/engagements?since=2021-05-18T00%3A00%3A00Z&until=2021-05-19T00%3A00%3A00Z",
)


def instructions(url: str, identities: Mapping[str, LocalIdentity], policy_text: str) -> str:
    """Ready-to-paste commands, one curl and one `ep` per local identity, with the tier the
    policy gives."""
    tier_of = _tier_labeller(policy_text)
    lines = [
        "",
        f"Local identities ({IDENTITIES_PATH.name}) and their tiers ({POLICY_PATH.name}), each",
        "with curl and with ep, the client (`pipx install ./client` or `pip install ./client`",
        "once; ep signs the ARN as pasted, whatever the curl). For the ep lines, first:",
        ep_environment(url),
        "",
    ]
    for identity in identities.values():
        lines.append(f"# {identity.user_arn}: {tier_of(identity)}")
        lines.append(curl_command(url + EXAMPLE_PATH, identity))
        lines.append(ep_command(identity))
        lines.append("")
    commander = next(iter(identities.values()))
    lines.append(
        "# The engagement ARN as pasted works too. It needs a curl that encodes the path it signs"
    )
    lines.append(
        "# (curl 8.x); older curl (7.88) signs it unencoded, which API Gateway, and so this"
    )
    lines.append(
        "# gateway, rejects with 403. The contact/uuid spelling above works with any curl,"
    )
    lines.append("# and ep with any spelling.")
    lines.append(curl_command(f"{url}/engagements/{EXAMPLE_ARN}", commander))
    lines.append("")
    lines.append("# Who was paged, did it reach them, did they read it (the commander, in full):")
    for path in PAGING_PATHS:
        lines.append(curl_command(url + path, commander))
    lines.append("")
    lines.extend(token_instructions(url, policy_text))
    return "\n".join(lines)


def token_instructions(url: str, policy_text: str) -> list[str]:
    """A curl and an `ep` per local token identity, its bearer token minted by `make -s token`."""
    policy = parse_access_policy(policy_text)
    lines = [
        f"Local token identities ({TOKEN_IDENTITIES_PATH.name}) and their tiers. Tokens are",
        f"from the local issuer {ISSUER};",
        "run these from the repository root, where `make -s token WHO=...` mints them:",
        "",
    ]
    key = load_signing_key()
    for identity in load_token_identities().values():
        # The caller as the Lambda would see it: the authorizer's claims and the token itself.
        claims = token_claims(identity, 0)
        bearer = f"Bearer {sign_claims(claims, key)}"
        caller = caller_from_jwt(authorizer_claims(claims), bearer, DEFAULT_GROUPS_CLAIM)
        tier = tier_for(policy, caller).value
        lines.append(f"# {identity.name} ({identity.subject}): {_tier_label(tier)}")
        lines.append(
            f'curl -H "Authorization: Bearer $(make -s token WHO={identity.name})" '
            + shlex.quote(url + EXAMPLE_PATH)
        )
        lines.append(
            f'EP_TOKEN="$(make -s token WHO={identity.name})" ep get {shlex.quote(EXAMPLE_ARN)}'
        )
        lines.append("")
    return lines


def ep_environment(url: str) -> str:
    """Where ep finds local mode, and the region it signs for (local mode's URL names none)."""
    return f"export EP_URL={shlex.quote(url)} EP_API_REGION={REGION}"


def ep_command(identity: LocalIdentity) -> str:
    """`ep get` with the ARN as pasted, signed with the identity's keys from the environment."""
    return (
        f"AWS_ACCESS_KEY_ID={shlex.quote(identity.access_key_id)} "
        f"AWS_SECRET_ACCESS_KEY={shlex.quote(identity.secret_access_key)} "
        f"ep get {shlex.quote(EXAMPLE_ARN)}"
    )


def _tier_label(tier: str) -> str:
    return "deny (403)" if tier == "deny" else tier


def curl_command(url: str, identity: LocalIdentity) -> str:
    credentials = f"{identity.access_key_id}:{identity.secret_access_key}"
    return (
        f'curl --aws-sigv4 "aws:amz:{REGION}:{SERVICE}" '
        f"--user {shlex.quote(credentials)} {shlex.quote(url)}"
    )


def _tier_labeller(policy_text: str) -> Callable[[LocalIdentity], str]:
    policy = parse_access_policy(policy_text)

    def label(identity: LocalIdentity) -> str:
        caller = caller_from_rest_identity(
            {
                "userArn": identity.user_arn,
                "accountId": identity.account_id,
                "principalOrgId": identity.principal_org_id,
            }
        )
        return _tier_label(tier_for(policy, caller).value)

    return label
