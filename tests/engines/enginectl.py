"""Driving the real engines engines.sh started: their CLIs, and the CRI over gRPC.

Ground truth for the container tests comes from here (``docker inspect``,
``ctr task ls``, ``podman inspect``), never from lxkns' own engine clients.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "engines.sh"
TIMEOUT = 120


def read_env(directory: str) -> dict[str, str]:
    env: dict[str, str] = {}
    with open(os.path.join(directory, "engines.env"), encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                env[key] = value
    return env


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Engines:
    """The engines under one engines.sh directory."""

    def __init__(self, directory: str) -> None:
        self.dir = directory
        self.env = read_env(directory)
        self.docker_sock = self.env["DOCKER_SOCK"]
        self.containerd_sock = self.env["CONTAINERD_SOCK"]
        self.podman_sock = self.env["PODMAN_SOCK"]
        self.cgroup_parent = self.env["CGROUP_PARENT"]
        self.busybox = self.env["BUSYBOX_REF"]
        self.hostbin = self.env["HOSTBIN_REF"]

    # ------------------------------------------------------------ CLIs

    def _run(self, argv: list[str], env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT,
                              env={**os.environ, **(env or {})})
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout.strip()

    def docker(self, *args: str, sock: str | None = None) -> str:
        return self._run(["docker", "-H", f"unix://{sock or self.docker_sock}", *args])

    def ctr(self, namespace: str, *args: str) -> str:
        return self._run(["ctr", "-a", self.containerd_sock, "-n", namespace, *args])

    def podman(self, *args: str) -> str:
        return self._run(["podman", *args], env={
            "CONTAINERS_CONF": self.env["CONTAINERS_CONF"],
            "CONTAINERS_STORAGE_CONF": self.env["CONTAINERS_STORAGE_CONF"]})

    def ctr_task_pid(self, namespace: str, cid: str) -> int:
        for line in self.ctr(namespace, "task", "ls").splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == cid:
                return int(fields[1])
        raise LookupError(f"no task {cid} in containerd namespace {namespace}")

    # ------------------------------------------------------------ containers, removed afterwards

    @contextmanager
    def docker_container(self, *args: str, name: str | None = None,
                         sock: str | None = None) -> Iterator[tuple[str, int]]:
        """A running Docker container: (name, PID as docker sees it)."""
        name = name or unique("lxkns-d")
        self.docker("run", "-d", "--network", "none", "--name", name, *args, sock=sock)
        try:
            yield name, int(self.docker("inspect", "-f", "{{.State.Pid}}", name, sock=sock))
        finally:
            self.docker("rm", "-f", name, sock=sock)

    @contextmanager
    def ctr_container(self, namespace: str, cid: str | None = None,
                      *labels: str) -> Iterator[tuple[str, int]]:
        """A running containerd container (with its task): (ID, PID)."""
        cid = cid or unique("lxkns-c")
        label_args = [a for lbl in labels for a in ("--label", lbl)]
        self.ctr(namespace, "images", "import", os.path.join(self.dir, "images", "busybox.tar"))
        cgroup = f"/{self.cgroup_parent}/ctr/{namespace}-{cid}"
        self.ctr(namespace, "run", "-d", "--null-io", "--cgroup", cgroup, *label_args,
                 f"docker.io/{self.busybox}", cid, "/bin/busybox", "sleep", "1000")
        try:
            yield cid, self.ctr_task_pid(namespace, cid)
        finally:
            subprocess.run(["ctr", "-a", self.containerd_sock, "-n", namespace, "task", "kill", "-s",
                            "SIGKILL", cid], capture_output=True, timeout=TIMEOUT)
            subprocess.run(["ctr", "-a", self.containerd_sock, "-n", namespace, "task", "rm", "-f", cid],
                           capture_output=True, timeout=TIMEOUT)
            self.ctr(namespace, "containers", "rm", cid)

    @contextmanager
    def podman_container(self, *args: str, name: str | None = None) -> Iterator[tuple[str, int]]:
        name = name or unique("lxkns-p")
        self.podman("run", "-d", "--name", name, *args, f"localhost/{self.busybox}", "sleep", "1000")
        try:
            yield name, int(self.podman("inspect", "-f", "{{.State.Pid}}", name))
        finally:
            self.podman("rm", "-f", "-t", "0", name)


class Cri:
    """The tests' CRI client: creates pods and containers (lxkns only reads).

    Its messages come from protoc (grpcio-tools) reading cri_admin.proto, as a
    descriptor set for the protobuf runtime: independent of lxkns' own declarations.
    """

    def __init__(self, engines: Engines) -> None:
        import tempfile

        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
        from grpc_tools import protoc

        self.engines = engines
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cri_admin.desc")
            if protoc.main(["protoc", f"-I{HERE}", f"--descriptor_set_out={out}", "cri_admin.proto"]):
                raise RuntimeError("protoc cannot read cri_admin.proto")
            with open(out, "rb") as f:
                files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for fd in files.file:
            pool.Add(fd)
        self.service = pool.FindServiceByName("runtime.v1.RuntimeService")
        self.classes = message_factory.GetMessageClass

    def call(self, name: str, request: dict[str, Any]) -> Any:
        """One CRI call on a channel of its own (grpcio's threads end with it)."""
        import grpc
        from google.protobuf import json_format

        from lxkns._engines.grpcunix import settle

        method = self.service.FindMethodByName(name)
        answer = self.classes(method.output_type)
        message = json_format.ParseDict(request, self.classes(method.input_type)())
        channel = grpc.insecure_channel("unix:" + self.engines.containerd_sock)
        try:
            stub = channel.unary_unary(f"/{self.service.full_name}/{name}",
                                       request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=answer.FromString)
            return stub(message, timeout=60)
        finally:
            channel.close()
            settle(0)

    def close(self) -> None:
        pass

    @contextmanager
    def pod(self, name: str, namespace: str, containers: list[str],
            shared_pid: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
        """A pod with containers of these names: (pod ID, {container name: container ID})."""
        uid = uuid.uuid4().hex
        logs = os.path.join(self.engines.dir, "pod-logs", uid)
        os.makedirs(logs, exist_ok=True)
        ns_opts = {"pid": 0 if shared_pid else 1}
        config = {
            "metadata": {"name": name, "namespace": namespace, "uid": uid},
            "hostname": name, "log_directory": logs,
            "linux": {"cgroup_parent": f"/{self.engines.cgroup_parent}/cri/{uid}",
                      "security_context": {"namespace_options": ns_opts}},
        }
        pod = self.call("RunPodSandbox", {"config": config}).pod_sandbox_id
        try:
            ids = {}
            for cname in containers:
                cid = self.call("CreateContainer", {
                    "pod_sandbox_id": pod, "sandbox_config": config,
                    "config": {"metadata": {"name": cname},
                               "image": {"image": f"docker.io/{self.engines.busybox}"},
                               "args": ["sleep", "1000"], "log_path": f"{cname}.log",
                               "linux": {"security_context": {"namespace_options": ns_opts}}},
                }).container_id
                self.call("StartContainer", {"container_id": cid})
                ids[cname] = cid
            yield pod, ids
        finally:
            self.call("StopPodSandbox", {"pod_sandbox_id": pod})
            self.call("RemovePodSandbox", {"pod_sandbox_id": pod})


def start(directory: str | None = None) -> str:
    """Start the engines (engines.sh start); the directory they run under."""
    argv = [str(SCRIPT), "start"] + ([directory] if directory else [])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"engines.sh start failed: {proc.stderr.strip()[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


def stop(directory: str) -> None:
    subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, text=True, timeout=600, check=True)


def running(directory: str) -> bool:
    return subprocess.run([str(SCRIPT), "status", directory], capture_output=True, timeout=60).returncode == 0


def installed() -> bool:
    from shutil import which

    return all(which(b) for b in ("dockerd", "containerd", "ctr", "podman", "runc", "catatonit"))
