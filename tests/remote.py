"""Fixtures for the adapters whose server runs apart: MongoDB and OpenSearch.

Each server comes from its URL variable (`BUREAU_MONGODB_URI`, `BUREAU_OPENSEARCH_URL`)
when set, else from a testcontainers container when a Docker engine answers; otherwise
the suites that need it skip, saying how to run them. A variable that is set means the
server must answer: if it does not within `PROBE_TIMEOUT_S`, every test that needs it
fails with the reason, never skips, so a CI job that configured a server cannot
pass without it. Every test using one of these servers carries the `backends` marker
(`make test-backends` runs them; so does `.github/workflows/backends.yml`).

The server is shared by the whole session; each test takes a fresh database
(`fresh_database`) or index prefix (`fresh_index_prefix`), dropped after it.

`tests/conftest.py` registers this module (`pytest_plugins`), so any test can ask for
`mongodb_uri` or `opensearch_url`.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from opensearchpy import AsyncOpenSearch, OpenSearch
from pymongo import AsyncMongoClient, MongoClient

MONGODB_IMAGE = "mongo:8.0"  # run as a single-node replica set (see `mongodb_uri`)
OPENSEARCH_IMAGE = "opensearchproject/opensearch:2.19.1"
MONGODB_SKIP = (
    "MongoDB adapter suite skipped: set BUREAU_MONGODB_URI or run a Docker engine"
    " for testcontainers"
)
OPENSEARCH_SKIP = (
    "OpenSearch adapter suite skipped: set BUREAU_OPENSEARCH_URL or run a Docker engine"
    " for testcontainers"
)
_READY_TIMEOUT_MS = 60_000
PROBE_TIMEOUT_S = 5  # for a server named by its variable, already started
BACKEND_FIXTURES = frozenset({"mongodb_uri", "opensearch_url"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends: needs MongoDB or OpenSearch (tests/remote.py); make test-backends"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.backends)


def probe_mongodb(uri: str) -> None:
    """Fails the tests that need MongoDB unless the server at `uri` answers a ping."""
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=PROBE_TIMEOUT_S * 1000
    )
    try:
        client.admin.command("ping")
    except Exception as error:  # noqa: BLE001 - any failure to answer fails the suite alike
        # The error names hosts, never the URI's credentials.
        pytest.fail(f"BUREAU_MONGODB_URI is set but MongoDB does not answer: {error}")
    finally:
        client.close()


def probe_opensearch(url: str) -> None:
    """Fails the tests that need OpenSearch unless the cluster at `url` reports its health."""
    client = OpenSearch(hosts=[url], timeout=PROBE_TIMEOUT_S, max_retries=0)
    try:
        client.cluster.health()
    except Exception as error:  # noqa: BLE001 - any failure to answer fails the suite alike
        pytest.fail(f"BUREAU_OPENSEARCH_URL is set but OpenSearch does not answer: {error}")
    finally:
        client.close()


def docker_answers() -> bool:
    """Whether a Docker engine answers a ping (testcontainers needs one)."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - no SDK config, no socket, engine down: all mean "no"
        return False


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    """A MongoDB server for the session: `BUREAU_MONGODB_URI`, else a container."""
    if uri := os.environ.get("BUREAU_MONGODB_URI"):
        probe_mongodb(uri)
        yield uri
        return
    if not docker_answers():
        pytest.skip(MONGODB_SKIP)
    from testcontainers.core.container import DockerContainer

    # A single-node replica set: the mailbox store writes each change in a transaction.
    container = (
        DockerContainer(MONGODB_IMAGE)
        .with_command("--replSet rs0 --bind_ip_all")
        .with_exposed_ports(27017)
    )
    with container:
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        uri = f"mongodb://{host}:{port}/?directConnection=true"
        # Readiness by the protocol itself, not by a log line or an open port.
        client: MongoClient[dict[str, object]] = MongoClient(
            uri, serverSelectionTimeoutMS=_READY_TIMEOUT_MS
        )
        with client:
            members = [{"_id": 0, "host": "localhost:27017"}]
            client.admin.command("replSetInitiate", {"_id": "rs0", "members": members})
            deadline = time.monotonic() + _READY_TIMEOUT_MS / 1000
            while not client.admin.command("hello").get("isWritablePrimary"):
                if time.monotonic() > deadline:
                    raise TimeoutError("the MongoDB replica set elected no primary")
                time.sleep(0.2)
        yield uri


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    """An OpenSearch server for the session: `BUREAU_OPENSEARCH_URL`, else a container."""
    if url := os.environ.get("BUREAU_OPENSEARCH_URL"):
        probe_opensearch(url)
        yield url
        return
    if not docker_answers():
        pytest.skip(OPENSEARCH_SKIP)
    from testcontainers.community.opensearch import OpenSearchContainer

    container = (
        OpenSearchContainer(OPENSEARCH_IMAGE, initial_admin_password="Bureau-test-2026!")
        # Plain HTTP without the demo TLS set-up, and a heap that fits a CI machine.
        .with_env("DISABLE_INSTALL_DEMO_CONFIG", "true")
        .with_env("OPENSEARCH_JAVA_OPTS", "-Xms512m -Xmx512m")
    )
    with container:  # start() waits until the cluster reports green
        config = container.get_config()
        yield f"http://{config['host']}:{config['port']}"


def fresh_name(kind: str) -> str:
    """A name no other test uses, so tests never see each other's data."""
    return f"bureau_test_{kind}_{uuid.uuid4().hex[:12]}"


@contextlib.asynccontextmanager
async def fresh_database(mongodb_uri: str) -> AsyncIterator[str]:
    """The name of a database of its own for one test, dropped after it."""
    name = fresh_name("db")
    try:
        yield name
    finally:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongodb_uri)
        try:
            await client.drop_database(name)
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def fresh_index_prefix(opensearch_url: str) -> AsyncIterator[str]:
    """An index prefix of its own for one test; the indices under it are deleted after it."""
    prefix = fresh_name("ix").replace("_", "-")
    try:
        yield prefix
    finally:
        client = AsyncOpenSearch(hosts=[opensearch_url])
        try:
            # A wildcard matching nothing answers {}; deletes go by name, since a cluster
            # may refuse wildcard deletes (action.destructive_requires_name).
            for name in await client.indices.get(index=f"{prefix}-*"):
                await client.indices.delete(index=name)
        finally:
            await client.close()
