"""nats-server processes a test configures itself: JetStream switched off and on by a
configuration reload (SIGHUP) while clients stay connected, and three-node clusters
whose nodes a test kills."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import nats

from bureau.nats_server import nats_server_binary
from bureau.process import free_port


class NatsNode:
    def __init__(self, root: Path, name: str = "n1", *, jetstream: bool = True) -> None:
        self.root = root / name
        self.name = name
        self.port = free_port()
        self.cluster_port = free_port()
        self.jetstream = jetstream
        self.routes: list[int] = []  # cluster ports of the other nodes
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _config(self) -> str:
        lines = [f'listen: "127.0.0.1:{self.port}"', f'server_name: "{self.name}"']
        if self.jetstream:
            store = (self.root / "jetstream").as_posix()
            lines.append(f'jetstream {{ store_dir: "{store}" }}')
        if self.routes:
            routes = ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in self.routes)
            lines.append(
                "cluster { name: bureau-test, "
                f'listen: "127.0.0.1:{self.cluster_port}", routes: [{routes}] }}'
            )
        return "\n".join(lines) + "\n"

    def _write(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nats-server.conf"
        conf.write_text(self._config())
        return conf

    async def start(self) -> None:
        conf = self._write()
        with open(self.root / "nats-server.log", "ab") as log:
            self.process = subprocess.Popen(
                [nats_server_binary(), "-c", str(conf)], stdout=log, stderr=log
            )
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return

    def reload(self, *, jetstream: bool) -> None:
        """Rewrite the configuration and have the running server read it again: the
        clients' connections stay up, JetStream stops (or starts again)."""
        assert self.process is not None
        self.jetstream = jetstream
        self._write()
        self.process.send_signal(signal.SIGHUP)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def cluster_nodes(root: Path, size: int = 3) -> list[NatsNode]:
    """`size` JetStream nodes routed to each other, none started yet."""
    nodes = [NatsNode(root, f"n{i + 1}") for i in range(size)]
    for node in nodes:
        node.routes = [other.cluster_port for other in nodes if other is not node]
    return nodes


def cluster_url(nodes: list[NatsNode]) -> str:
    """The comma-separated form `BUREAU_NATS_URL` takes (as `deploy/k8s` documents)."""
    return ",".join(node.url for node in nodes)


async def cluster(root: Path, size: int = 3) -> list[NatsNode]:
    """`size` clustered JetStream nodes, returned once JetStream answers (a meta leader)."""
    nodes = cluster_nodes(root, size)
    for node in nodes:
        await node.start()
    await jetstream_answers(nodes[0].url, timeout=60)
    return nodes


async def jetstream_answers(url: str, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    nc = await nats.connect(url, connect_timeout=5)
    try:
        while True:
            try:
                await nc.jetstream(timeout=2).account_info()
                return
            except Exception:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.25)
    finally:
        await nc.close()
