"""The client as a user installs it (`pip install ./client`) and runs it: a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from local.sigv4 import LocalIdentity
from testing_support.stack import REPO_ROOT

CLIENT_DIR = REPO_ROOT / "client"
RUN_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class InstalledEp:
    """`ep` installed by pip into `target` (its console script in target/bin)."""

    target: Path
    home: Path

    @property
    def bin(self) -> Path:
        return self.target / "bin"

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A shell's environment with nothing of the machine's AWS setup: no keys, no
        profiles, no metadata service; only what a test gives."""
        environment = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.home),
            "PYTHONPATH": str(self.target),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }
        environment.update(extra or {})
        return environment

    def run(
        self, *argv: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "ep"), *argv],
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )

    def start(self, *argv: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.bin / "ep"), *argv],
            env=self.environment(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def install_ep(scratch: Path) -> InstalledEp:
    """pip installs a copy of client/ (building in a copy leaves the checkout clean), with no
    download: botocore is the virtualenv's, and so is the build backend."""
    source = scratch / "source"
    shutil.copytree(
        CLIENT_DIR,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    target = scratch / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    home = scratch / "home"
    home.mkdir()
    return InstalledEp(target, home)


def keys_of(identity: LocalIdentity) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": identity.access_key_id,
        "AWS_SECRET_ACCESS_KEY": identity.secret_access_key,
    }


def token_of(name: str) -> str:
    """A bearer token from local mode's issuer, as `python -m local.tokens NAME` prints it."""
    minted = subprocess.run(
        [sys.executable, "-m", "local.tokens", name],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return minted.stdout.strip()
