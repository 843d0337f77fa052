"""Write a one-layer container image as a docker-archive tar, without any engine.

No registry can be reached on the test machines, so the engines get their
images from tars written here: ``docker load``, ``ctr images import`` and
``podman load`` all read this format (a ``manifest.json`` naming the image
config and the layer tars). Usage::

    python3 make_image.py OUT.tar REF ENTRYPOINT_JSON [SRC=DST | DST->TARGET | DST/ ...]

``SRC=DST`` copies a host file into the image, ``DST->TARGET`` makes a
symlink, ``DST/`` an empty directory. Every member is owned by root and
dated 1970, so the same arguments always give the same image ID.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile

BASE_DIRS = ("dev", "etc", "proc", "sys", "tmp", "run", "var")


def _member(name: str, kind: bytes, **attrs: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name.strip("/"))
    info.type, info.mtime, info.uid, info.gid, info.uname, info.gname = kind, 0, 0, 0, "", ""
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def layer(specs: list[str]) -> bytes:
    files: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    dirs = set(BASE_DIRS)
    for spec in specs:
        if "->" in spec:
            dst, target = spec.split("->", 1)
            links.append((dst.strip("/"), target))
        elif spec.endswith("/"):
            dirs.add(spec.strip("/"))
        else:
            src, dst = spec.split("=", 1)
            files.append((src, dst.strip("/")))
    for path in [dst for _, dst in files] + [dst for dst, _ in links]:
        parts = path.split("/")[:-1]
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in sorted(dirs):
            tar.addfile(_member(d, tarfile.DIRTYPE, mode=0o1777 if d == "tmp" else 0o755))
        for dst, target in sorted(links):
            tar.addfile(_member(dst, tarfile.SYMTYPE, linkname=target, mode=0o777))
        for src, dst in sorted(files, key=lambda f: f[1]):
            with open(src, "rb") as f:
                data = f.read()
            tar.addfile(_member(dst, tarfile.REGTYPE, size=len(data), mode=0o755), io.BytesIO(data))
    return buf.getvalue()


def image(out: str, ref: str, entrypoint: list[str], specs: list[str]) -> None:
    data = layer(specs)
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Entrypoint": entrypoint, "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }, sort_keys=True).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_name = diff_id.removeprefix("sha256:") + "/layer.tar"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [ref], "Layers": [layer_name]}]).encode()
    with tarfile.open(out, "w") as tar:
        for name, blob in ((config_name, config), (layer_name, data), ("manifest.json", manifest)):
            tar.addfile(_member(name, tarfile.REGTYPE, size=len(blob), mode=0o644), io.BytesIO(blob))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    image(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:])
