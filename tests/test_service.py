"""The lxkns service against a real uvicorn process: endpoints, options, errors, caching,
static files, the host guard, metrics and health."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from servicectl import Server, parse_metric, python_for_others, raw_get

import lxkns

from conftest import IS_ROOT

INDEX = b'<!doctype html><html><head><base href="/"><title>lxkns</title></head><body>ui</body></html>'
SECRET = b"this file lies outside the web root\n"


@pytest.fixture(scope="module")
def web_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A web root with files, links that stay inside, and traps that point out of it."""
    base = tmp_path_factory.mktemp("web")
    (base / "secret.txt").write_bytes(SECRET)
    root = base / "root"
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "app.js").write_bytes(b"export const x = 1;\n")
    (root / "css" / "style.css").write_bytes(b"body { color: black }\n")
    os.symlink("app.js", root / "alias.js")              # inside: served
    os.symlink("../app.js", root / "css" / "up.js")      # climbs, stays inside: served
    os.symlink("/etc/passwd", root / "passwd")           # absolute: out
    os.symlink("../secret.txt", root / "secret.txt")     # relative, climbs out
    os.symlink("/etc", root / "etc")                     # a directory outside
    os.symlink("css/../../secret.txt", root / "sneaky.txt")
    os.mkfifo(root / "pipe.js")                          # would block a plain open()
    return root


@pytest.fixture(scope="module")
def landmarks() -> Iterator[dict[str, int]]:
    """Namespaces the tests build before the server starts: a network namespace and a PID
    namespace, each with a process in it."""
    if not IS_ROOT:
        yield {}
        return
    net = subprocess.Popen(["unshare", "--net", "sleep", "600"])
    pid = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "sleep", "600"])
    try:
        deadline = time.monotonic() + 10
        child = 0
        while time.monotonic() < deadline:
            try:
                net_ino = os.stat(f"/proc/{net.pid}/ns/net").st_ino
                if net_ino != os.stat("/proc/self/ns/net").st_ino:
                    kids = Path(f"/proc/{pid.pid}/task/{pid.pid}/children").read_text().split()
                    if kids:
                        child = int(kids[0])
                        if os.stat(f"/proc/{child}/ns/pid").st_ino != os.stat("/proc/self/ns/pid").st_ino:
                            break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        yield {"net_pid": net.pid, "net_ino": os.stat(f"/proc/{net.pid}/ns/net").st_ino,
               "pid_child": child, "pidns_ino": os.stat(f"/proc/{child}/ns/pid").st_ino}
    finally:
        for p in (net, pid):
            p.kill()
            p.wait()


@pytest.fixture(scope="module")
def server(web_root: Path, landmarks: dict[str, int]) -> Iterator[Server]:
    with Server(["--no-containers", "--max-age", "60"], web_root=str(web_root)) as s:
        yield s


# ------------------------------------------------------------------ the discovery endpoints

def test_namespaces_answers_the_wire_format_with_what_the_test_built(server: Server,
                                                                      landmarks: dict[str, int]) -> None:
    r = server.client.get("/api/namespaces")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    doc = r.json()
    jsonschema.validate(doc, lxkns.wire.schema())
    d = lxkns.Discovery.from_json(r.content)  # and it reads back
    assert server.proc.pid in d.processes
    assert {"namespaces", "processes", "mounts", "pidmap", "cpus-online"} <= doc.keys()
    assert doc["discovery-options"]["with-mounts"] is True
    if landmarks:
        ns = doc["namespaces"][str(landmarks["net_ino"])]
        assert ns["type"] == "net"
        assert landmarks["net_pid"] in ns["leaders"]


def test_processes_answers_a_process_table(server: Server) -> None:
    table = server.client.get("/api/processes").json()
    me = table[str(server.proc.pid)]
    assert me["pid"] == server.proc.pid and me["ppid"] == os.getpid()
    assert me["namespaces"]["net"] == os.stat("/proc/self/ns/net").st_ino
    assert "affinity" in me  # the Go choice: processes with their affinity
    assert {t["tid"] for t in me["tasks"]} >= {server.proc.pid}


def test_pidmap_translates_pids_of_a_child_pid_namespace(server: Server, landmarks: dict[str, int]) -> None:
    chains = server.client.get("/api/pidmap").json()
    assert isinstance(chains, list) and chains
    own = os.stat("/proc/self/ns/pid").st_ino
    assert [{"pid": server.proc.pid, "nsid": own}] in chains
    if landmarks:
        child = [c for c in chains if c[-1] == {"pid": landmarks["pid_child"], "nsid": own}]
        assert child == [[{"pid": 1, "nsid": landmarks["pidns_ino"]},
                          {"pid": landmarks["pid_child"], "nsid": own}]]


def test_query_parameters_choose_the_discovery(server: Server) -> None:
    doc = server.client.get("/api/namespaces?mounts=0&pidmap=no&affinity=off").json()
    assert "mounts" not in doc and "pidmap" not in doc
    assert doc["discovery-options"]["with-mounts"] is False
    only_net = server.client.get("/api/namespaces",
                                 params={"types": "net", "ownership": "0", "mounts": "0"}).json()
    assert {ns["type"] for ns in only_net["namespaces"].values()} == {"net"}
    with_owners = server.client.get("/api/namespaces", params={"types": "net", "mounts": "0"}).json()
    assert {ns["type"] for ns in with_owners["namespaces"].values()} == {"net", "user"}
    no_tasks = server.client.get("/api/processes?tasks=false").json()
    assert all(len(p["tasks"]) <= 1 for p in no_tasks.values())
    creds = server.client.get("/api/processes?credentials=1").json()
    assert creds[str(server.proc.pid)]["euid"] == os.geteuid()


@pytest.mark.parametrize(("target", "needle"), [
    ("/api/namespaces?bogus=1", "unknown query parameter 'bogus'"),
    ("/api/namespaces?mounts=maybe", "mounts='maybe'"),
    ("/api/namespaces?mounts=1&mounts=0", "more than once"),
    ("/api/namespaces?types=net,bogus", "unknown namespace type 'bogus'"),
    ("/api/namespaces?types=", "types=''"),
    ("/api/namespaces?types=net,,pid", "types="),
    ("/api/processes?mounts=1", "unknown query parameter 'mounts'"),
    ("/api/pidmap?types=net", "unknown query parameter 'types'"),
    ("/api/namespaces?containers=1", "--no-containers"),
])
def test_bad_queries_get_400_with_a_json_error(server: Server, target: str, needle: str) -> None:
    r = server.client.get(target)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["error"] == "bad query" and needle in body["detail"]


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/nothing", "/api/namespaces/1", "/api/openapi.yaml"])
def test_unknown_api_paths_get_a_json_404(server: Server, path: str) -> None:
    r = server.client.get(path)
    assert r.status_code == 404
    assert r.json()["error"] == "not found"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
@pytest.mark.parametrize("path", ["/api/namespaces", "/", "/metrics", "/nothing/here"])
def test_only_get_and_head_are_allowed(server: Server, method: str, path: str) -> None:
    status, headers, body = raw_get(server.port, path, method=method)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert json.loads(body)["error"] == "method not allowed"


def test_etag_and_if_none_match_give_304(server: Server) -> None:
    r = server.client.get("/api/pidmap")
    tag = r.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = server.client.get("/api/pidmap", headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == tag
    assert server.client.get("/api/pidmap", headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_answers_the_headers_of_get(server: Server) -> None:
    plain = {"Accept-Encoding": "identity"}
    get = server.client.get("/api/processes", headers=plain)
    head = server.client.head("/api/processes", headers=plain)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)
    assert server.client.head("/app.js").headers["content-type"].startswith("text/javascript")


def test_openapi_document_describes_every_endpoint(server: Server) -> None:
    doc = server.client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    paths = {"/api/namespaces", "/api/processes", "/api/pidmap", "/metrics", "/healthz", "/readyz"}
    assert paths <= doc["paths"].keys()
    names = {p["name"] for p in doc["paths"]["/api/namespaces"]["get"]["parameters"]}
    assert {"mounts", "containers", "tasks", "types"} <= names
    jsonschema.Draft202012Validator.check_schema(doc["components"]["schemas"]["DiscoveryResult"])


# ------------------------------------------------------------------ the web UI

def test_files_of_the_web_root_are_served(server: Server) -> None:
    r = server.client.get("/app.js")
    assert r.status_code == 200 and r.content == b"export const x = 1;\n"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert server.client.get("/css/style.css").headers["content-type"] == "text/css; charset=utf-8"
    assert server.client.get("/alias.js").content == b"export const x = 1;\n"
    assert server.client.get("/css/up.js").content == b"export const x = 1;\n"


@pytest.mark.parametrize("path", ["/", "/containers", "/net/", "/mnt/4026531841", "/index.html",
                                  "/nothing.js"])
def test_other_paths_get_the_index(server: Server, path: str) -> None:
    r = server.client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert b"<title>lxkns</title>" in r.content


@pytest.mark.parametrize("target", [
    "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2fsecret.txt",
    "//etc/passwd", "///etc/passwd", "/etc/passwd", "/passwd", "/secret.txt", "/sneaky.txt",
    "/css/..%2f..%2fsecret.txt", "/%252e%252e/secret.txt", "/../secret.txt", "/css/../../secret.txt",
    "/.%2e/secret.txt", "/pipe.js", "/etc", "/..\\secret.txt",
])
def test_no_request_reads_outside_the_web_root(server: Server, target: str) -> None:
    status, _, body = raw_get(server.port, target)
    assert b"root:" not in body and SECRET not in body
    assert status in (200, 400, 404)
    if status == 200:
        assert body == INDEX  # the single-page app's fallback, nothing else
    else:
        assert "error" in json.loads(body)


@pytest.mark.parametrize(("headers", "path", "base"), [
    ({}, "/", "/"),
    ({"X-Forwarded-Prefix": "/lxkns"}, "/", "/lxkns/"),
    ({"X-Forwarded-Prefix": "/a/b/"}, "/containers", "/a/b/"),
    ({"X-Forwarded-Uri": "/lxkns/"}, "/", "/lxkns/"),
    ({"X-Forwarded-Uri": "/lxkns/containers?x=1"}, "/containers", "/lxkns/"),
    ({"X-Forwarded-Uri": "/other/path"}, "/containers", "/"),
    ({"X-Forwarded-Prefix": '/x"><script>alert(1)</script>'}, "/", "/"),
    ({"X-Forwarded-Prefix": "//evil.example"}, "/", "/"),
    ({"X-Forwarded-Uri": "//evil.example/containers"}, "/containers", "/"),
    ({"X-Forwarded-Prefix": "/../x"}, "/", "/"),
])
def test_base_href_follows_the_reverse_proxy(server: Server, headers: dict[str, str], path: str,
                                             base: str) -> None:
    body = server.client.get(path, headers=headers).content
    assert f'<base href="{base}">'.encode() in body
    assert body.count(b"<base") == 1 and b"<script>" not in body


def test_a_missing_web_root_gives_a_json_404(tmp_path: Path) -> None:
    with Server(["--no-containers"], web_root=str(tmp_path)) as s:  # a root without index.html
        r = s.client.get("/containers")
        assert r.status_code == 404 and r.json()["error"] == "no web UI"
    gone = tmp_path / "gone"
    proc = subprocess.run([sys.executable, "-m", "lxkns.service", "--web-root", str(gone)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"--web-root {gone}: no such directory" in proc.stderr and "Traceback" not in proc.stderr


def test_an_installation_without_its_web_ui_says_so(tmp_path: Path) -> None:
    from lxkns.service import DEFAULT_WEB_ROOT

    if (DEFAULT_WEB_ROOT / "index.html").exists():
        pytest.skip("this installation has its web UI")
    with Server(["--no-containers"]) as s:
        r = s.client.get("/")
        assert r.status_code == 404
        assert r.json()["error"] == "no web UI" and "--web-root" in r.json()["detail"]
        assert "no web UI" in s.log()


# ------------------------------------------------------------------ the host guard

@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1", 200), ("localhost", 200), ("LOCALHOST:5010", 200), ("[::1]:5010", 200),
    ("10.1.2.3:5010", 200), ("app.localhost", 200), ("allowed.example", 200), ("x.corp.example", 200),
    ("corp.example", 200), ("evil.example", 421), ("127.0.0.1.nip.example", 421),
    ("allowed.example.evil", 421),
])
def test_host_names_not_allowed_get_421(host: str, status: int, web_root: Path) -> None:
    s = _guarded(web_root)
    r = s.client.get("/healthz", headers={"Host": host})
    assert r.status_code == status, r.text
    if status == 421:
        assert r.json()["error"] == "host not allowed"


_GUARDED: list[Server] = []


def _guarded(web_root: Path) -> Server:
    if not _GUARDED:
        _GUARDED.append(Server(["--no-containers", "--allow-host", "allowed.example",
                                "--allow-host", ".corp.example"], web_root=str(web_root)))
    return _GUARDED[0]


@pytest.fixture(scope="module", autouse=True)
def _stop_guarded() -> Iterator[None]:
    yield
    while _GUARDED:
        _GUARDED.pop().close()


# ------------------------------------------------------------------ metrics, health, logs

def test_metrics_count_what_was_asked(web_root: Path) -> None:
    with Server(["--no-containers", "--max-age", "600"], web_root=str(web_root)) as s:
        for _ in range(3):
            assert s.client.get("/api/pidmap").status_code == 200
        assert s.client.get("/api/namespaces?bogus=1").status_code == 400
        doc = s.client.get("/api/namespaces").json()
        text = s.client.get("/metrics").text
        assert parse_metric(text, "lxkns_http_requests_total", 'code="200",route="pidmap"') == 3
        assert parse_metric(text, "lxkns_http_requests_total", 'code="400",route="namespaces"') == 1
        # the warm-up (the namespaces options) and one pidmap discovery; 3 pidmap requests share it
        assert parse_metric(text, "lxkns_discoveries_total") == 2
        assert parse_metric(text, "lxkns_discovery_duration_seconds_count") == 2
        assert parse_metric(text, "lxkns_discoveries_in_flight") == 0
        # the gauges show the discovery /api/namespaces answered
        by_type: dict[str, int] = {}
        for ns in doc["namespaces"].values():
            by_type[ns["type"]] = by_type.get(ns["type"], 0) + 1
        for t, n in by_type.items():
            assert parse_metric(text, "lxkns_namespaces", f'type="{t}"') == n
        assert parse_metric(text, "lxkns_processes") == len(doc["processes"])
        assert f'lxkns_build_info{{python="{sys.version.split()[0]}"' in text
        assert "lxkns_namespace_processes" not in text  # not unless asked for


def test_per_namespace_metrics_when_asked(web_root: Path) -> None:
    with Server(["--no-containers", "--per-namespace-metrics"], web_root=str(web_root)) as s:
        text = s.client.get("/metrics").text
        own = os.stat(f"/proc/{s.proc.pid}/ns/net").st_ino
        assert parse_metric(text, "lxkns_namespace_processes", f'inode="{own}",type="net"') >= 1


def test_health_and_readiness(server: Server) -> None:
    assert server.client.get("/healthz").json() == {"status": "ok"}
    assert server.client.get("/readyz").json() == {"status": "ok"}


def test_start_up_line_and_access_log(server: Server) -> None:
    server.client.get("/api/pidmap?tasks=0")
    time.sleep(0.2)
    log = server.log()
    start = next(line for line in log.splitlines() if "serving http://" in line)
    assert f"lxkns {lxkns.__version__}" in start and f"euid={os.geteuid()}" in start
    assert ("caps=" in start and "scanner=native" in start) or "scanner=python" in start
    assert "engines=off (--no-containers)" in start
    assert '"GET /api/pidmap?tasks=0 HTTP/1.1" 200' in log


def test_a_taken_port_is_a_clear_error(server: Server) -> None:
    proc = subprocess.run([sys.executable, "-m", "lxkns.service", "--http", f"127.0.0.1:{server.port}",
                           "--no-containers"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "address already in use" in proc.stderr.lower()


def test_bad_arguments_are_usage_errors() -> None:
    for args in (["--http", "nowhere"], ["--http", "127.0.0.1:99999"], ["--max-age", "-1"],
                 ["--timeout", "soon"]):
        proc = subprocess.run([sys.executable, "-m", "lxkns.service", *args], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2 and "usage: lxkns serve" in proc.stderr, args


@pytest.mark.unprivileged
def test_the_service_works_as_nobody(tmp_path: Path) -> None:
    """As nobody without capabilities: the service runs, discovers what it may see (itself
    included) and says in the diagnostics what was denied."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing")
    prefix: list[str] = []
    interpreter, env = None, None
    if IS_ROOT:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all"]
        site_dir = tempfile.mkdtemp(prefix="lxkns-site-")  # not below pytest's 0700 directory
        found = python_for_others(site_dir)
        if found is None:
            shutil.rmtree(site_dir)
            pytest.skip(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that nobody may run")
        interpreter, env = [found[0]], found[1]
    try:
        with Server(["--no-containers"], prefix=prefix, interpreter=interpreter, env=env) as s:
            r = s.client.get("/api/namespaces")
            assert r.status_code == 200
            doc = r.json()
            assert str(s.proc.pid) in doc["processes"]  # setpriv execs: the same PID
            if IS_ROOT:
                assert "euid=65534 caps=none" in s.log()
                assert any(d["kind"] == "denied" for d in doc.get("diagnostics", []))
    finally:
        if IS_ROOT:
            shutil.rmtree(site_dir, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("containers", [False, True])
def test_schemathesis_finds_nothing_against_the_live_server(web_root: Path, containers: bool,
                                                           tmp_path: Path) -> None:
    """Our OpenAPI document and the server agree: every check of schemathesis, on generated
    valid and invalid requests to every operation (answers validated against the schemas)."""
    st = shutil.which("schemathesis") or shutil.which("st")
    if st is None:
        exe = Path(sys.executable).with_name("schemathesis")
        st = str(exe) if exe.exists() else None
    if st is None:
        pytest.skip("schemathesis is not installed")
    args = ["--max-age", "120", "--timeout", "120"] + ([] if containers else ["--no-containers"])
    with Server(args, web_root=str(web_root)) as s:
        proc = subprocess.run([st, "run", f"{s.url}/api/openapi.json", "--url", s.url, "--checks", "all",
                               "--max-examples", "15", "--workers", "1", "--seed", "1",
                               "--phases", "examples,coverage,fuzzing", "--request-timeout", "150"],
                              capture_output=True, text=True, timeout=900, cwd=tmp_path,
                              env={**os.environ, "NO_COLOR": "1"})
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        assert "6 passed" in proc.stdout or "passed" in proc.stdout


# ------------------------------------------------------------------ containers, cgroup namespace

@pytest.mark.engines
def test_namespaces_show_the_containers_of_the_real_engines(engines, web_root: Path) -> None:  # type: ignore[no-untyped-def]
    with engines.docker_container(engines.busybox, "sleep", "600") as (name, pid), \
            Server(["--max-age", "0"], web_root=str(web_root)) as s:
        doc = s.client.get("/api/namespaces").json()
        found = {c["name"]: c for c in doc["containers"].values()}
        assert name in found and found[name]["pid"] == pid
        engine = doc["container-engines"][str(found[name]["engine"])]
        assert engine["type"] == "docker.com"
        text = s.client.get("/metrics").text
        assert parse_metric(text, "lxkns_containers", 'engine="docker.com"') >= 1
        assert "engines=" in s.log() and "docker.com" in s.log()


@pytest.mark.privileged
def test_initial_cgroup_switches_to_pid_1s_cgroup_namespace(web_root: Path) -> None:
    from lxkns.service.cgroupns import initial_namespace

    initial = os.stat(initial_namespace()).st_ino  # PID 1's, or kthreadd's where PID 1 is unreadable
    for flag, expect_initial in (([], False), (["--initial-cgroup"], True)):
        with Server(["--no-containers", *flag], web_root=str(web_root), prefix=["unshare", "--cgroup"]) as s:
            own = os.stat(f"/proc/{s.proc.pid}/ns/cgroup").st_ino
            assert (own == initial) is expect_initial
            me = s.client.get("/api/processes").json()[str(s.proc.pid)]
            host_view = Path(f"/proc/{s.proc.pid}/cgroup").read_text()  # as the initial namespace sees it
            if expect_initial:
                assert "switched to the initial cgroup namespace" in s.log()
                assert me["cpucgroup"] and me["cpucgroup"] in host_view
            # every thread of the service is in the namespace it chose
            assert {os.stat(f"/proc/{s.proc.pid}/task/{t}/ns/cgroup").st_ino
                    for t in os.listdir(f"/proc/{s.proc.pid}/task")} == {own}


def test_the_answers_fit_the_go_lxkns_openapi_description(server: Server) -> None:
    """A second opinion where the Go lxkns' own description is at hand ($LXKNS_OPENAPI): its
    web UI reads these answers, so they must fit what it was written against."""
    from test_wire import _openapi_defs, _validate

    defs = _openapi_defs()
    for path, name in (("/api/namespaces", "DiscoveryResult"), ("/api/processes", "ProcessTable"),
                       ("/api/pidmap", "PIDMap")):
        assert _validate({"$defs": defs, "$ref": f"#/$defs/{name}"}, server.client.get(path).json()) == []


def test_without_the_service_extra_lxkns_serve_says_what_is_missing() -> None:
    code = ("import sys; sys.modules['starlette'] = None\n"
            "from lxkns.service.cli import main\nraise SystemExit(main(['--no-containers']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 1
    assert "starlette is missing; install lxkns[service]" in proc.stderr and "Traceback" not in proc.stderr


def test_the_daemonset_runs_the_service_as_the_docs_say() -> None:
    import yaml

    deploy = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
    docs = [d for d in yaml.safe_load_all((deploy / "lxkns-daemonset.yaml").read_text()) if d]
    ds = next(d for d in docs if d["kind"] == "DaemonSet")
    pod = ds["spec"]["template"]
    assert pod["spec"]["hostPID"] is True
    assert pod["metadata"]["annotations"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "5010",
                                              "prometheus.io/path": "/metrics"}
    c = pod["spec"]["containers"][0]
    assert "--initial-cgroup" in c["args"] and "0.0.0.0:5010" in c["args"]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["runAsNonRoot"] is True and sc["runAsUser"] == 65534
    assert sc["capabilities"]["drop"] == ["ALL"] and "SYS_ADMIN" in sc["capabilities"]["add"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    monitor = yaml.safe_load((deploy / "lxkns-podmonitor.yaml").read_text())
    assert monitor["kind"] == "PodMonitor"
    assert monitor["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]
    assert monitor["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"


def test_answers_come_gzipped_where_the_client_accepts_it(server: Server) -> None:
    import gzip

    plain = server.client.get("/api/namespaces", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    status, headers, body = raw_get(server.port, "/api/namespaces", {"Accept-Encoding": "br, gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain.content
    assert headers["etag"] != plain.headers["etag"]  # another representation, another tag
    again = server.client.get("/api/namespaces", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": headers["etag"]})
    assert again.status_code == 304
    for refused in ("gzip;q=0", "identity", "gzip;q=0, *", "br"):
        r = server.client.get("/api/namespaces", headers={"Accept-Encoding": refused})
        assert "content-encoding" not in r.headers, refused


def test_accept_encoding_parsing() -> None:
    from lxkns.service.handlers import accepts_gzip

    assert accepts_gzip("gzip") and accepts_gzip("deflate, gzip;q=0.5") and accepts_gzip("*")
    assert accepts_gzip("GZIP ; q=1") and accepts_gzip("*, br")
    assert not accepts_gzip("") and not accepts_gzip("gzip;q=0") and not accepts_gzip("*;q=0")
    assert not accepts_gzip("*, gzip;q=0") and not accepts_gzip("gzip;q=zero")
