"""Fixtures for the client's tests: an AWS environment of their own, and a fake network."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ep_client.cli import World, run
from ep_client.transport import Answer

LOCAL_KEY = "AKIALOCALCOMMANDER01"
LOCAL_SECRET = "local-only-commander-secret-not-a-real-key"
NOW = datetime(2021, 5, 18, 18, 30, 0, tzinfo=UTC)


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AWS environment of the test's own: no keys, no profiles, no metadata service."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


@pytest.fixture
def aws_keys(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long-lived keys in the environment, as for local mode's identities."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET)


@dataclass
class Network:
    """Answers handed out in order; every request kept as (url, headers)."""

    answers: list[Answer | BaseException]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def send(self, url: str, headers: Mapping[str, str], timeout: float) -> Answer:
        self.requests.append((url, dict(headers)))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str


@dataclass
class Ep:
    """`ep` run in process against a Network, with a fixed clock, zone UTC, and sleeps that
    end the run with Ctrl-C after `polls` of them."""

    network: Network
    environ: dict[str, str]
    stdin: str = ""
    polls: int = 0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self, *argv: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            if len(self.sleeps) >= self.polls:
                raise KeyboardInterrupt

        world = World(
            stdin=io.StringIO(self.stdin),
            stdout=out,
            stderr=err,
            environ=self.environ,
            send=self.network.send,
            sleep=sleep,
            now=lambda: NOW,
            zone=UTC,
        )
        status = run(list(argv), world)
        return Outcome(status, out.getvalue(), err.getvalue())


@pytest.fixture
def network() -> Network:
    return Network([])


@pytest.fixture
def ep(network: Network, aws_keys: None) -> Iterator[Ep]:
    yield Ep(network, {"EP_URL": "http://127.0.0.1:8080", "EP_API_REGION": "us-east-2"})
