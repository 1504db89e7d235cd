"""`ep`, installed by pip and run as a subprocess, against local mode: the ARN pasted from the
seed's example for IAM and token callers, and every class of problem as one line and its exit
status."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from local.sigv4 import LocalIdentity
from local.stack import EXAMPLE_ARN, EXAMPLE_PATH
from testing_support.stack import REPO_ROOT, RunningStack, free_port
from tests.e2e.clients import identity, signed_get
from tests.e2e.ep import InstalledEp, keys_of, token_of

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
SRE = identity("SRE")
STRANGER = identity("Anyone")
DASHBOARD = identity("Dashboard")
PASTED = EXAMPLE_ARN + "\n"  # as copied out of a chat window
RUNNING = "db_oncall/3f0d9a7e-5b2c-4e61-9c84-1a2b3c4d5e6f"
FAULT = "example_escalation/00000000-0000-4000-8000-000000000{}"
WATCH_WAIT_SECONDS = 30.0


def iam(stack: RunningStack, who: LocalIdentity = COMMANDER, **extra: str) -> dict[str, str]:
    """The environment of a user with local keys exported, and nothing telling ep the region:
    it signs for the pasted ARN's."""
    return {"EP_URL": stack.url, **keys_of(who), **extra}


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("ep: ")
    assert "Traceback" not in stderr
    return lines[0]


# ---- answers ------------------------------------------------------------------------------------


def test_the_installed_package_needs_only_botocore(installed_ep: InstalledEp) -> None:
    # Given the client as pip installed it
    [metadata] = installed_ep.target.glob("engagement_proxy_client-*.dist-info/METADATA")
    # When its metadata and version are read
    requires = [
        line for line in metadata.read_text().splitlines() if line.startswith("Requires-Dist:")
    ]
    version = installed_ep.run("--version")
    # Then botocore is its only dependency, and the `ep` script runs
    assert requires == ["Requires-Dist: botocore<2,>=1.44.8"]
    assert version.returncode == 0
    assert version.stdout == "ep 0.1.0\n"


def test_an_iam_caller_reads_the_pasted_arn(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the incident commander's local keys in the environment
    # When `ep get` is given the seed's example ARN as pasted, trailing newline and all
    ran = installed_ep.run("get", PASTED, env=iam(local_stack))
    # Then the full answer is shown, in readable form, with nothing on stderr
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""
    assert ran.stdout.splitlines()[:2] == [
        "Engagement      " + EXAMPLE_ARN,
        "Tier            full: nothing withheld",
    ]
    assert "Subject         test\n" in ran.stdout
    assert "Started         2021-05-18 18:25:41 UTC\n" in ran.stdout


def test_json_is_the_proxys_answer_byte_for_byte(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the SRE's answer for the contact/uuid spelling, read with botocore directly
    direct = signed_get(local_stack.url + EXAMPLE_PATH, SRE)
    # When `ep get --json` reads the pasted ARN
    ran = installed_ep.run("get", PASTED, "--json", env=iam(local_stack, SRE))
    # Then it prints exactly those bytes: the redacted answer
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == direct.body.decode() + "\n"
    assert json.loads(ran.stdout)["Redacted"] == ["Subject", "Content"]


def test_the_percent_encoded_arn_reads_the_same(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the ARN percent-encoded, as copied out of a URL
    encoded = EXAMPLE_ARN.replace(":", "%3A").replace("/", "%2F")
    # When `ep get --json` reads it and the raw one
    ran = installed_ep.run("get", encoded, "--json", env=iam(local_stack))
    raw = installed_ep.run("get", PASTED, "--json", env=iam(local_stack))
    # Then both give the same answer
    assert ran.returncode == raw.returncode == 0
    assert ran.stdout == raw.stdout


def test_a_token_caller_reads_the_pasted_arn(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the commander's and the SRE's tokens from `python -m local.tokens`
    commander, sre = token_of("commander"), token_of("sre")
    # When `ep get` reads the pasted ARN with each, from EP_TOKEN and from --token
    full = installed_ep.run("get", PASTED, env={"EP_URL": local_stack.url, "EP_TOKEN": commander})
    redacted = installed_ep.run("get", PASTED, "--token", sre, env={"EP_URL": local_stack.url})
    # Then each sees its tier
    assert full.returncode == 0, full.stderr
    assert "Tier            full: nothing withheld" in full.stdout
    assert redacted.returncode == 0, redacted.stderr
    assert "Tier            redacted: Subject, Content withheld" in redacted.stdout
    assert "Subject         (withheld from your tier)" in redacted.stdout


def test_the_second_region_by_contact_and_uuid(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the us-west-2 engagement's contact/uuid, with the API's region set once
    env = iam(local_stack, EP_API_REGION="us-east-2")
    # When `ep get --region us-west-2` reads it
    ran = installed_ep.run(
        "get", "edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170", "--region", "us-west-2", env=env
    )
    # Then the second region's engagement is shown
    assert ran.returncode == 0, ran.stderr
    assert "engagement/edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170" in ran.stdout


# ---- every class of problem: one line and its exit status --------------------------------------


@pytest.mark.parametrize(
    ("argv", "who", "status", "says"),
    [
        (["get", "nonsense"], COMMANDER, 2, "Name it as CONTACT/ENGAGEMENT-UUID"),
        (
            ["get", RUNNING, "--region", "moon-1", "--api-region", "us-east-2"],
            COMMANDER,
            2,
            "(400 invalid-engagement-id)",
        ),
        (["get", PASTED], STRANGER, 3, "(403 access-denied): The access policy does not let"),
        (
            ["get", FAULT.format(404), "--api-region", "us-east-2"],
            COMMANDER,
            4,
            "(404 engagement-not-found)",
        ),
        (
            [
                "get",
                "example_escalation/6f0e0000-0000-4000-8000-00000000cafe",
                "--api-region",
                "us-east-2",
            ],
            COMMANDER,
            4,
            "pass --region for another served region",
        ),
        (
            ["get", FAULT.format(500), "--api-region", "us-east-2"],
            COMMANDER,
            5,
            "(502 upstream-failed)",
        ),
        (
            ["get", FAULT.format(429), "--api-region", "us-east-2"],
            COMMANDER,
            5,
            "(503 upstream-throttled): SSM Contacts is throttling; retry later. Try again in 2 s.",
        ),
        (
            ["get", FAULT.format(403), "--api-region", "us-east-2"],
            COMMANDER,
            5,
            "Nothing to change on your side",
        ),
    ],
    ids=[
        "usage-local",
        "usage-proxy",
        "denied-policy",
        "not-found-fault",
        "not-found",
        "upstream-failed",
        "upstream-throttled",
        "upstream-role-fault",
    ],
)
def test_each_problem_class_is_one_line_and_its_status(
    local_stack: RunningStack,
    installed_ep: InstalledEp,
    argv: list[str],
    who: LocalIdentity,
    status: int,
    says: str,
) -> None:
    # Given a request that local mode answers with a problem (or ep refuses to send)
    # When ep runs it
    ran = installed_ep.run(*argv, env=iam(local_stack, who))
    # Then stdout is empty, stderr one line saying what to do, and the class's exit status
    assert ran.returncode == status, ran.stderr
    assert ran.stdout == ""
    assert says in one_line(ran.stderr)


def test_an_unknown_key_is_denied(local_stack: RunningStack, installed_ep: InstalledEp) -> None:
    # Given keys local mode (like API Gateway) does not know
    env = {
        "EP_URL": local_stack.url,
        "AWS_ACCESS_KEY_ID": "AKIALOCALUNKNOWN0000",
        "AWS_SECRET_ACCESS_KEY": "nothing",
    }
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env=env)
    # Then it is denied, and the line says to check the credentials
    assert ran.returncode == 3
    assert "API Gateway refused these credentials" in one_line(ran.stderr)


def test_a_wrong_secret_is_denied_naming_the_signing_region(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given the commander's key with the wrong secret
    env = {
        "EP_URL": local_stack.url,
        "AWS_ACCESS_KEY_ID": COMMANDER.access_key_id,
        "AWS_SECRET_ACCESS_KEY": "wrong",
    }
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env=env)
    # Then it is denied, the line naming the region it signed for
    assert ran.returncode == 3
    assert "ep signed for region us-east-2" in one_line(ran.stderr)


def test_no_credentials_is_denied_before_anything_is_sent(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given no keys, no profile and no token
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env={"EP_URL": local_stack.url})
    # Then it is denied with the ways to get credentials
    assert ran.returncode == 3
    assert "No AWS credentials found" in one_line(ran.stderr)


def test_a_refused_token_is_denied(local_stack: RunningStack, installed_ep: InstalledEp) -> None:
    # Given a token no issuer signed
    env = {"EP_URL": local_stack.url, "EP_TOKEN": "not.a.jwt"}
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env=env)
    # Then it is denied, with the authorizer's reason
    assert ran.returncode == 3
    assert "The token was refused (the token is not a well-formed JWT)" in one_line(ran.stderr)


def test_a_stage_in_local_modes_url_is_not_found_and_explained(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given EP_URL with the deployed API's stage, which local mode does not have
    env = iam(local_stack, EP_URL=local_stack.url + "/v1")
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env=env)
    # Then it is not found, and the line says to drop the stage
    assert ran.returncode == 4
    assert f"Local mode has no stage: set EP_URL to {local_stack.url}, without /v1." in (
        one_line(ran.stderr)
    )


def test_nothing_listening_is_unreachable(installed_ep: InstalledEp) -> None:
    # Given EP_URL on a port nothing listens on
    env = {"EP_URL": f"http://127.0.0.1:{free_port()}", **keys_of(COMMANDER)}
    # When ep reads the ARN
    ran = installed_ep.run("get", PASTED, env=env)
    # Then it is unreachable, and the line says how to start local mode
    assert ran.returncode == 6
    assert "connection refused. For local mode, start it with `make local`" in one_line(ran.stderr)


# ---- --watch ------------------------------------------------------------------------------------


def not_modified_audits(stack: RunningStack, who: LocalIdentity) -> int:
    caller = who.user_arn.split("/")[1]
    return sum(
        1
        for line in stack.log_text().splitlines()
        if '"message":"audit"' in line
        and f"role/{caller}" in line
        and '"outcome":"not-modified"' in line
        and "db_oncall" in line
    )


def test_watch_polls_with_if_none_match_and_ctrl_c_ends_it_with_0(
    local_stack: RunningStack, installed_ep: InstalledEp
) -> None:
    # Given a redacted caller watching a running engagement that does not change
    before = not_modified_audits(local_stack, DASHBOARD)
    env = iam(local_stack, DASHBOARD, EP_API_REGION="us-east-2")
    watching = installed_ep.start("get", RUNNING, "--watch", "1", env=env)
    try:
        # When it has polled twice more after its first answer (the proxy's audit lines,
        # written as each request ends, are the event awaited)
        deadline = time.monotonic() + WATCH_WAIT_SECONDS
        while not_modified_audits(local_stack, DASHBOARD) < before + 2:
            assert watching.poll() is None, watching.communicate()
            assert time.monotonic() < deadline, "no conditional polls seen"
            time.sleep(0.1)
        watching.send_signal(signal.SIGINT)
        stdout, stderr = watching.communicate(timeout=30)
    finally:
        if watching.poll() is None:
            watching.kill()
            watching.communicate()
    # Then the polls were 304s, the answer was printed once, and Ctrl-C exited 0, silently
    assert watching.returncode == 0
    assert stderr == ""
    assert stdout.count("Engagement      ") == 1
    assert "Stopped         running (not stopped)" in stdout


# ---- what `make local` prints --------------------------------------------------------------------


def test_printed_ep_commands_get_each_tier(
    local_stack: RunningStack, installed_ep: InstalledEp, tmp_path: Path
) -> None:
    # Given the ep lines `make local` printed, and the export line before them
    log = local_stack.log_text().splitlines()
    [export] = [line for line in log if line.startswith("export EP_URL=")]
    commands = [line for line in log if " ep get " in f" {line}" and not line.startswith("#")]
    assert len(commands) == 12  # six IAM identities, six token identities
    # When each runs in a shell from the repository root, as pasted
    outcomes = []
    for command in commands:
        ran = subprocess.run(
            ["bash", "-c", f"{export}\n{command} --json"],
            cwd=REPO_ROOT,
            env=installed_ep.environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        redacted = json.loads(ran.stdout)["Redacted"] if ran.returncode == 0 else None
        outcomes.append((ran.returncode, redacted))
    # Then each gets its tier: exit 0 with its view, or 3 (denied)
    assert outcomes == [
        (0, []),
        (0, []),
        (0, ["Subject", "Content"]),
        (0, ["Subject", "Content"]),
        (3, None),
        (3, None),
        (0, []),
        (0, ["Subject", "Content"]),
        (3, None),
        (3, None),
        (0, []),
        (3, None),
    ]
    assert all(shlex.split(command)[-1] == EXAMPLE_ARN for command in commands)
