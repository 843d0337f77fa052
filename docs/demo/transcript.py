"""Run statements like the interactive interpreter and print a >>> transcript.

Usage: transcript.py FILE -- blocks in FILE are separated by blank lines,
each block is one (possibly compound) statement. capture.py uses this to
produce the sessions the manual shows.
"""
import code
import contextlib
import io
import sys

with open(sys.argv[1]) as f:
    src = f.read()
blocks = [b for b in src.split("\n\n") if b.strip()]
console = code.InteractiveConsole({"__name__": "__main__"})
for b in blocks:
    lines = b.rstrip("\n").split("\n")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        more = False
        for ln in lines:
            more = console.push(ln)
        if more:
            console.push("")
    for i, ln in enumerate(lines):
        print((">>> " if i == 0 else "... ") + ln)
    if lines[0].rstrip().endswith(":"):
        print("...")
    sys.stdout.write(out.getvalue())
