"""Docker's Engine API and podman's APIs, over their unix sockets.

One ``/_ping`` tells them apart: podman answers with a ``Libpod-Api-Version``
header. Docker then lists its containers and is asked for each one's PID
(``/containers/ID/json``; the list does not carry it). Podman's libpod API
lists PIDs directly, which saves a call per container; its Docker-compatible
``/info`` is slow (about 0.2 s) and gives a new random ID each time, so a
podman engine is identified by its API endpoint instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .errors import Deadline, EngineProtocolError, EngineUnsupported
from .records import DOCKER, PODMAN, ContainerRecord, Endpoint, EngineReport
from .unixhttp import UnixHTTPConnection, get

_SERVER = re.compile(r"^Docker/(\S+)")
_API_VERSION = re.compile(r"^\d+\.\d+$")
_LIBPOD_VERSION = re.compile(r"^\d+(\.\d+)*$")


def _labels(value: Any) -> Mapping[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _name(names: Any, fallback: str) -> str:
    if isinstance(names, list) and names and isinstance(names[0], str):
        return names[0].lstrip("/")
    return fallback


def _list(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise EngineProtocolError(f"{what}: not a list of objects")
    return value


def query(endpoint: Endpoint, deadline: Deadline) -> EngineReport:
    """The engine behind a Docker-API socket (Docker or podman) and its alive containers.

    EngineUnsupported if the socket does not answer ``/_ping`` like a Docker API.
    """
    conn = UnixHTTPConnection(endpoint, deadline)
    try:
        ping = get(conn, "/_ping")
        if ping.status != 200 or ping.body.strip() != b"OK":
            raise EngineUnsupported(f"/_ping answered {ping.status}")
        libpod = ping.headers.get("libpod-api-version", "")
        if libpod:
            return _podman(conn, endpoint, libpod)
        return _docker(conn, endpoint, ping.headers)
    finally:
        conn.close()


def _docker(conn: UnixHTTPConnection, endpoint: Endpoint, headers: Mapping[str, str]) -> EngineReport:
    api = headers.get("api-version", "")
    prefix = f"/v{api}" if _API_VERSION.match(api) else ""
    info = get(conn, f"{prefix}/info")
    if info.status != 200:
        raise EngineProtocolError(f"/info answered {info.status}")
    data = info.json()
    if not isinstance(data, dict):
        raise EngineProtocolError("/info: not an object")
    engine_id = str(data.get("ID") or endpoint.api)
    m = _SERVER.match(headers.get("server", ""))
    version = m.group(1) if m else str(data.get("ServerVersion") or "")
    listing = get(conn, f"{prefix}/containers/json")  # running and paused ones
    if listing.status != 200:
        raise EngineProtocolError(f"/containers/json answered {listing.status}")
    containers = []
    for c in _list(listing.json(), "/containers/json"):
        cid = str(c.get("Id", ""))
        if not cid:
            continue
        detail = get(conn, f"{prefix}/containers/{quote(cid)}/json")
        if detail.status == 404:
            continue  # removed meanwhile
        if detail.status != 200:
            raise EngineProtocolError(f"/containers/ID/json answered {detail.status}")
        d = detail.json()
        state = d.get("State") if isinstance(d, dict) else None
        if not isinstance(state, dict) or not state.get("Running"):
            continue  # stopped meanwhile
        pid = state.get("Pid")
        containers.append(ContainerRecord(
            id=cid, name=_name(c.get("Names"), cid), pid=pid if isinstance(pid, int) else 0,
            paused=bool(state.get("Paused")), labels=_labels(c.get("Labels"))))
    return EngineReport(DOCKER, engine_id, version, endpoint, tuple(containers))


def _podman(conn: UnixHTTPConnection, endpoint: Endpoint, version: str) -> EngineReport:
    prefix = f"/v{version}" if _LIBPOD_VERSION.match(version) else "/v4.0.0"
    # without all=true paused containers are left out
    listing = get(conn, f"{prefix}/libpod/containers/json?all=true")
    if listing.status != 200:
        raise EngineProtocolError(f"libpod/containers/json answered {listing.status}")
    containers = []
    for c in _list(listing.json(), "libpod/containers/json"):
        state, cid, pid = c.get("State"), str(c.get("Id", "")), c.get("Pid")
        if state not in ("running", "paused") or not cid:
            continue
        containers.append(ContainerRecord(
            id=cid, name=_name(c.get("Names"), cid), pid=pid if isinstance(pid, int) else 0,
            paused=state == "paused", labels=_labels(c.get("Labels"))))
    return EngineReport(PODMAN, endpoint.api, version, endpoint, tuple(containers))
