"""Running the lxkns service for tests: a real uvicorn process on a free loopback port.

``Server`` starts ``python -m lxkns.service`` (or ``slowserve.py``, whose
discoveries wait while a hold file exists) and waits until it answers;
``stop()`` sends SIGTERM and reaps it. ``raw_get`` sends a request line as
written, for paths that an HTTP client library would normalise.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One service process; ``url``, ``client`` (httpx), ``log()`` (its stderr so far)."""

    def __init__(self, args: Sequence[str] = (), *, slow: bool = False, web_root: str | None = None,
                 prefix: Sequence[str] = (), env: dict[str, str] | None = None, start_timeout: float = 60.0,
                 port: int | None = None, wait: bool = True,
                 interpreter: Sequence[str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="lxkns-service-test-")
        self.hold = os.path.join(self._dir.name, "hold")
        self._stderr = open(os.path.join(self._dir.name, "stderr"), "w+b")  # noqa: SIM115
        program = [str(HERE / "slowserve.py")] if slow else ["-m", "lxkns.service"]
        python = [sys.executable] if interpreter is None else list(interpreter)
        argv = [*prefix, *python, *program, "--http", f"127.0.0.1:{self.port}", *args]
        if web_root is not None:
            argv += ["--web-root", web_root]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self._stderr, cwd="/",
                                     env={**os.environ, "LXKNS_TEST_HOLD": self.hold, **(env or {})},
                                     start_new_session=True)
        self.client = httpx.Client(base_url=self.url, timeout=60.0)
        if wait:
            self.wait_ready(start_timeout)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if self.client.get("/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the service did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._stderr.flush()
        with open(self._stderr.name, "rb") as f:
            return f.read().decode(errors="replace")

    def metric(self, name: str, labels: str = "") -> float:
        """One sample of /metrics (``labels`` as written there, e.g. ``route="pidmap",code="200"``)."""
        text = self.client.get("/metrics").text
        return parse_metric(text, name, labels)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise
        return self.proc.returncode

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.hold)
        try:
            self.stop()
        finally:
            self.client.close()
            self._stderr.close()
            self._dir.cleanup()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def python_for_others(directory: str) -> tuple[str, dict[str, str]] | None:
    """A Python of this version that any user may run, with this one's packages: (path, env).

    Test runs often use a Python that lives where other users cannot go (pyenv under /root);
    a command run as another user without capabilities cannot even start it. A system Python
    of the same version, with a sitecustomize in ``directory`` that adds our site-packages
    (and so the editable install's path hooks), runs the same code. None if there is none.
    """
    import site
    import sysconfig

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        if os.path.exists(candidate) and os.stat(candidate).st_mode & 0o001:
            break
    else:
        return None
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    with open(os.path.join(directory, "sitecustomize.py"), "w") as f:
        f.write("import site\n" + "".join(f"site.addsitedir({d!r})\n" for d in dict.fromkeys(dirs)))
    os.chmod(directory, 0o755)
    return candidate, {"PYTHONPATH": directory}


def parse_metric(text: str, name: str, labels: str = "") -> float:
    """The value of the sample ``name{labels}`` in a Prometheus text exposition; 0 if absent."""
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == wanted or (labels and _same_labels(key, name, labels)):
            return float(value)
    return 0.0


def _same_labels(key: str, name: str, labels: str) -> bool:
    m = re.fullmatch(re.escape(name) + r"\{(.*)\}", key)
    if not m:
        return False
    return sorted(m.group(1).split(",")) == sorted(labels.split(","))


def raw_get(port: int, target: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send ``METHOD target HTTP/1.1`` exactly as given; (status, headers, body)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    return int(status_line.split()[1]), hdrs, body


@contextlib.contextmanager
def held(server: Server) -> Iterator[None]:
    """While inside, the slow server's discoveries wait (those started now and later)."""
    Path(server.hold).touch()
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(server.hold)
