"""A real JetStream cluster of nats-server processes on loopback, for the distributed mode's
tests: each node with its own store, routes to the others, fsync before ack."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import nats

from bureau.nats_server import nats_server_binary
from bureau.process import free_port


@dataclass
class Node:
    name: str
    client_port: int
    cluster_port: int
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    def config(self, peers: list[Node]) -> str:
        routes = ", ".join(f'"nats://127.0.0.1:{p.cluster_port}"' for p in peers if p is not self)
        return (
            f'server_name: "{self.name}"\n'
            f'listen: "127.0.0.1:{self.client_port}"\n'
            "jetstream {\n"
            f'  store_dir: "{(self.root / "js").as_posix()}"\n'
            "  sync_interval: always\n"
            "}\n"
            "cluster {\n"
            '  name: "bureau-test"\n'
            f'  listen: "127.0.0.1:{self.cluster_port}"\n'
            f"  routes: [{routes}]\n"
            "}\n"
        )

    def start(self, peers: list[Node]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nats.conf"
        conf.write_text(self.config(peers))
        with (self.root / "nats.log").open("ab") as log:
            self.process = subprocess.Popen(
                [nats_server_binary(), "-c", str(conf)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    nodes: list[Node]

    @property
    def url(self) -> str:
        """The comma-separated form `BUREAU_NATS_URL` takes (as `deploy/k8s` documents)."""
        return ",".join(node.url for node in self.nodes)

    def start(self, nodes: int | None = None) -> None:
        """Start the nodes not running yet (the first `nodes` of them, or all)."""
        for node in self.nodes[:nodes]:
            if node.process is None or node.process.poll() is not None:
                node.start(self.nodes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    async def wait_jetstream(self, timeout: float = 60.0) -> None:
        """Until the cluster has a JetStream meta leader (an R3 stream can be created)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            with contextlib.suppress(Exception):
                nc = await nats.connect(
                    [n.url for n in self.nodes], connect_timeout=2, max_reconnect_attempts=1
                )
                try:
                    info = await nc.jetstream().account_info()
                    if info is not None:
                        return
                finally:
                    await nc.close()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the JetStream cluster did not form in time")
            await asyncio.sleep(0.2)


def make_cluster(root: Path, size: int = 3) -> Cluster:
    return Cluster(
        [Node(f"n{i}", free_port(), free_port(), root / f"n{i}") for i in range(1, size + 1)]
    )


@contextlib.asynccontextmanager
async def running_cluster(
    root: Path, size: int = 3, *, started: int | None = None
) -> AsyncIterator[Cluster]:
    """A cluster of `size` nodes, of which the first `started` (all by default) run."""
    cluster = make_cluster(root, size)
    cluster.start(started)
    try:
        yield cluster
    finally:
        cluster.stop()
