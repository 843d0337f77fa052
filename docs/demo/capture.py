"""Regenerate the example outputs in docs/demo/out/ (the manual includes them).

Run as root from the repository root, with the landscape up::

    docs/demo/landscape-up.sh
    python3 docs/demo/capture.py [NOBODY_PYTHON]
    docs/demo/landscape-down.sh

NOBODY_PYTHON is an interpreter that user nobody can run and that has
attrs, cffi and typing-extensions (default: /usr/bin/python3); lxkns itself
is taken from this checkout through PYTHONPATH (its ``lxkns`` command is run
as ``python -m lxkns``, which is the same command).
"""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "out")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
ENV = {**os.environ, "PYTHONPATH": ROOT, "PYTHONDONTWRITEBYTECODE": "1"}


def run(shown: str, argv: list[str] | str, *, prompt: str = "#") -> str:
    """Run a command; return it as typed, then its stdout, then its stderr."""
    p = subprocess.run(argv, shell=isinstance(argv, str), cwd=ROOT, env=ENV,
                       capture_output=True, text=True, timeout=120)
    return f"{prompt} {shown}\n{p.stdout}{p.stderr}"


def save(name: str, text: str) -> None:
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text.rstrip("\n") + "\n")
    print(f"--- {name}\n{text}")


def main() -> None:
    nobody_python = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/python3"
    py = sys.executable
    os.makedirs(OUT, exist_ok=True)
    lxkns = [py, "-m", "lxkns"]
    where = ["-o", "NS,TYPE,FOUND,PID,OWNER,PARENT,REF"]
    save("cli-table.txt", run("lxkns", lxkns))
    save("cli-where.txt", run(f"lxkns -q {' '.join(where)}", [*lxkns, "-q", *where]))
    types = ["-t", "net,user", "-o", "NS,TYPE,FOUND,PID,OWNER,PARENT,COMMAND"]
    save("cli-types.txt", run(f"lxkns -q {' '.join(types)}", [*lxkns, "-q", *types]))
    rows = "lxkns -q -J -t net -o NS,FOUND,PID,REF | jq -c '.namespaces[]'"
    save("cli-rows.txt", run(rows, rows.replace("lxkns", f"{py} -m lxkns", 1)))
    save("cli-json-keys.txt", run("lxkns --json -q | jq -c keys", f"{py} -m lxkns --json -q | jq -c keys"))
    jq = ('.namespaces[] | select(.reference[-1]? == "/run/netns/lxkns-demo" '
          'or .sources == ["socket"] or .sources == ["parent"])')
    save("cli-json-ns.txt", run(f"lxkns --json -q | jq '{jq}'", f"{py} -m lxkns --json -q | jq '{jq}'"))
    with open("/run/lxkns-demo/pids") as f:
        box = f.readline().strip()  # step 1: unshare; its child is PID 1 in the new PID namespace
    with open(f"/proc/{box}/task/{box}/children") as f:
        sleeper = f.read().split()[0]
    os.makedirs("/tmp/lxkns-procfs", exist_ok=True)
    subprocess.run(["nsenter", f"--target={sleeper}", "--pid", "--", "mount", "-t", "proc", "proc",
                    "/tmp/lxkns-procfs"], check=True)
    try:
        save("cli-procfs.txt", run(
            f"nsenter --target={sleeper} --pid -- mount -t proc proc /tmp/lxkns-procfs\n"
            "# lxkns --procfs /tmp/lxkns-procfs -t pid,user -o NS,TYPE,FOUND,PID,COMMAND,PARENT,REF",
            [*lxkns, "--procfs", "/tmp/lxkns-procfs", "-t", "pid,user", "-o",
             "NS,TYPE,FOUND,PID,COMMAND,PARENT,REF"]))
    finally:
        subprocess.run(["umount", "/tmp/lxkns-procfs"], check=False)
        os.rmdir("/tmp/lxkns-procfs")
    chain = ("nsenter --mount=/proc/2/ns/mnt nsenter --mount=/run/lxkns-demo/mnt "
             "stat -L -c %i /run/lxkns-demo/inner/net")
    save("ref-chain.txt", run(chain, chain))
    save("first-steps.txt", run("python3 first_steps.py", [py, os.path.join(HERE, "first_steps.py")],
                                prompt="#"))
    save("nobody-table.txt", run(f"{' '.join(NOBODY)} lxkns {' '.join(where)}",
                                 [*NOBODY, nobody_python, "-m", "lxkns", *where], prompt="#"))
    for name in ("model", "discovery", "nobody"):
        argv = [py, os.path.join(HERE, "transcript.py"), os.path.join(HERE, f"session-{name}.txt")]
        if name == "nobody":
            argv = [*NOBODY, nobody_python, *argv[1:]]
        p = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
        save(f"session-{name}.out", p.stdout + p.stderr)
    # last: the namespaces it creates must not show up in the other examples
    script = ("unshare --user --map-root-user --net --fork --kill-child sleep infinity & sleep 0.3; "
              "{} -q -t net,user -o NS,TYPE,FOUND,PID,OWNER,PARENT,COMMAND; kill -KILL $!")
    save("nobody-own.txt", run(f"{' '.join(NOBODY)} sh -c '{script.format('lxkns')}'",
                               [*NOBODY, "sh", "-c", script.format(f"{nobody_python} -m lxkns")]))


if __name__ == "__main__":
    main()
