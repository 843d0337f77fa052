"""The engine layer: finding container engines and asking them for their containers.

I/O below the model, like ``_lowlevel``: it reads /proc and talks to engine
sockets, and hands up plain records (:mod:`.records`). Docker and podman
need only the standard library; containerd and CRI need grpcio and protobuf.
"""
