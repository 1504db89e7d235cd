"""Fixtures for the end-to-end tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from local.ssm_contacts import SsmContactsServer, make_server
from testing_support.stack import RunningStack, start_stack, stop_stack
from tests.e2e.ep import InstalledEp, install_ep

# ---- the local SSM Contacts endpoint, in process (test_ssm_contacts_endpoint.py) -------------


@pytest.fixture
def ssm_contacts_server() -> Iterator[SsmContactsServer]:
    """The endpoint on a free port, serving in a thread, for one test (which may shut it down)."""
    server = make_server()
    # A short poll interval: shutdown() waits up to one interval, in every test's teardown.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()  # returns at once if the test already shut it down
    server.server_close()
    thread.join()


@pytest.fixture
def ssm_contacts_url(ssm_contacts_server: SsmContactsServer) -> str:
    return f"http://127.0.0.1:{ssm_contacts_server.server_port}"


# ---- the whole local stack (`python -m local`) as a subprocess ------------------------------


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """`python -m local` on a free port with its output in a file; stopped after the session."""
    stack = start_stack(tmp_path_factory.mktemp("local-stack") / "stack.log")
    yield stack
    stop_stack(stack)


# ---- the client, `ep`, installed by pip as a user would ----------------------------------------


@pytest.fixture(scope="session")
def installed_ep(tmp_path_factory: pytest.TempPathFactory) -> InstalledEp:
    return install_ep(tmp_path_factory.mktemp("ep"))
