"""A fake engine daemon: named like one, listening on a unix socket, misbehaving.

    python3 fake_engine.py COMM SOCKET BEHAVIOUR

COMM is the process name to take (``dockerd``, ``containerd``, ...), so that
discovery finds it in the process table like a real engine. BEHAVIOUR:

``hang``      accept connections, read, never answer
``die``       accept a connection, read the request, exit at once
``garbage``   answer every request with bytes that are no HTTP and no HTTP/2
``ok``        answer Docker's ``/_ping`` and list no containers (a tiny Docker)
``badproto``  a real gRPC server (grpcio) answering every call with bytes that are no
              protobuf message (a truncated field)

Prints ``ready`` once it listens (and ``hang`` prints ``accepted`` for each connection).
With FAKE_ENGINE_CHROOT=DIR it binds SOCKET inside DIR (chroot first: a container's
engine). With FAKE_ENGINE_CLIENT=PID it misbehaves towards that process only and closes the
connections of any other (discoveries of other test runs on a busy host connect to
every engine they find: they must not make it die or report it).
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import sys
import threading

PR_SET_NAME = 15


def serve_ok(conn: socket.socket) -> None:
    with conn:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, data = data.partition(b"\r\n\r\n")
            path = head.split(b" ")[1]
            if path == b"/_ping":
                body, extra = b"OK", b"Api-Version: 1.41\r\nServer: Docker/0.0.1-fake (linux)\r\n"
            elif path.endswith(b"/info"):
                body, extra = b'{"ID": "fake-engine-id"}', b""
            elif b"/containers/json" in path:
                body, extra = b"[]", b""
            else:
                body, extra = b"{}", b""
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def serve_bad_protobuf(path: str) -> None:
    import concurrent.futures

    import grpc

    class Everything(grpc.GenericRpcHandler):
        def service(self, details: object) -> object:
            # no (de)serializers: raw bytes go out as they are
            return grpc.unary_unary_rpc_method_handler(lambda request, context: b"\x0a\x05ab")

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2), handlers=[Everything()])
    server.add_insecure_port("unix:" + path)
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


def main() -> None:
    comm, path, behaviour = sys.argv[1:4]
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, comm.encode(), 0, 0, 0)
    if behaviour == "badproto":
        serve_bad_protobuf(path)
        return
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.environ.get("FAKE_ENGINE_CHROOT"):
        os.chroot(os.environ["FAKE_ENGINE_CHROOT"])
        os.chdir("/")
    if len(os.fsencode(path)) > 107:  # too long for sockaddr_un: bind relative to its directory
        os.chdir(os.path.dirname(path))
        path = os.path.basename(path)
    srv.bind(path)
    srv.listen(16)
    print("ready", flush=True)
    held = []
    client = int(os.environ.get("FAKE_ENGINE_CLIENT", "0"))
    while True:
        conn, _ = srv.accept()
        peer = struct.unpack("=iII", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        if client and peer != client:
            conn.close()
            continue
        if behaviour == "hang":
            held.append(conn)  # keep it open, never answer
            print("accepted", flush=True)
        elif behaviour == "die":
            conn.recv(4096)
            os._exit(3)
        elif behaviour == "garbage":
            conn.recv(4096)
            conn.sendall(b"\x00\xff" * 64)
            conn.close()
        else:
            threading.Thread(target=serve_ok, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
