"""A discovery as a networkx graph (``Discovery.to_networkx()``), networkx being an
optional extra.

Nodes are the model objects themselves (they hash by their identity keys),
so ``graph.successors(ns)`` works with the objects a discovery hands out.
Every node has a ``kind`` (``namespace``, ``process``, ``container``,
``engine``) and a ``label``; namespaces also their ``type`` name. Edges go
the way the model's links go and carry the link's name as ``kind``.
"""

from __future__ import annotations

from typing import Any

from ..model import Discovery, HierarchicalNamespace, UserNamespace
from . import facts as f


def _networkx() -> Any:
    try:
        import networkx
    except ImportError:
        raise ImportError("Discovery.to_networkx() needs networkx: pip install 'lxkns[networkx]'") from None
    return networkx


def networkx(d: Discovery) -> Any:
    """A ``networkx.MultiDiGraph`` of the namespaces, processes, containers and engines."""
    graph = _networkx().MultiDiGraph(lxkns_scanner=d.scanner, lxkns_procfs_root=d.procfs_root)
    for ns in d.all_namespaces():
        graph.add_node(ns, kind="namespace", type=ns.type.type_name, label=ns.type_id)
    for p in d.processes.values():
        graph.add_node(p, kind="process", label=f.process_name(p), pid=p.pid)
    for e in d.container_engines:
        graph.add_node(e, kind="engine", label=f.engine_name(e))
    for c in d.containers:
        graph.add_node(c, kind="container", label=f.clip(c.name, 80), type=c.type)
    for ns in d.all_namespaces():
        if isinstance(ns, HierarchicalNamespace) and ns.parent is not None:
            graph.add_edge(ns, ns.parent, key="parent", kind="parent")
        if ns.owner is not None and not isinstance(ns, UserNamespace):
            graph.add_edge(ns, ns.owner, key="owner", kind="owner")
        for holder in ns.holders:
            if holder in graph:
                graph.add_edge(holder, ns, key="holder", kind="holder", type=ns.type.type_name)
    for p in d.processes.values():
        if p.parent is not None:
            graph.add_edge(p, p.parent, key="parent", kind="parent")
        for t, ns in p.namespaces.items():
            graph.add_edge(p, ns, key=f"member:{t.type_name}", kind="member", type=t.type_name)
        if p.container is not None:
            graph.add_edge(p, p.container, key="container", kind="container")
    for c in d.containers:
        if c.engine is not None:
            graph.add_edge(c, c.engine, key="engine", kind="engine")
    return graph
