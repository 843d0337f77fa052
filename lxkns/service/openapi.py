"""Our OpenAPI 3.1 document of the service, served at ``/api/openapi.json``.

Written for this project (the Go lxkns' description covers only its three
endpoints, without parameters or errors). The answer schemas come from the
wire format's own JSON schema, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .._version import __version__
from ..wire import schema as wire_schema
from .endpoints import ENDPOINTS, Endpoint
from .queries import BOOLEAN_VALUES, DESCRIPTIONS, FALSE, TYPE_NAMES

_JSON = "application/json"


def _refs(node: Any) -> Any:
    """The wire schema with its ``#/$defs/X`` references pointing into components."""
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" and isinstance(v, str)
                    else _refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_refs(v) for v in node]
    return node


def _schemas() -> dict[str, Any]:
    wire = copy.deepcopy(wire_schema())
    defs = wire.pop("$defs")
    for key in ("$schema", "$id"):
        wire.pop(key, None)
    schemas: dict[str, Any] = {name: _refs(s) for name, s in defs.items()}
    schemas["DiscoveryResult"] = _refs(wire)
    schemas["ProcessTable"] = {
        "description": "The processes keyed by PID (decimal), each with its threads.",
        "type": "object",
        "propertyNames": {"pattern": "^[1-9][0-9]*$"},
        "additionalProperties": {"$ref": "#/components/schemas/Process"},
    }
    schemas["Error"] = {
        "description": "Every error answer: a short error text and what exactly went wrong.",
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
        "additionalProperties": False,
    }
    schemas["Health"] = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string"}, "detail": {"type": "string"}},
    }
    return schemas


def _error(description: str, retry: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description,
                           "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if retry:
        out["headers"] = {"Retry-After": {"description": "seconds to wait before asking again",
                                          "schema": {"type": "integer", "minimum": 1}}}
    return out


_COMMON_ERRORS = {
    "400": _error("A malformed, unknown or repeated query parameter"),
    "421": _error("The Host header does not name this service (DNS rebinding guard; see --allow-host)"),
    "500": _error("The discovery failed"),
    "503": _error("The discovery took longer than --timeout (it goes on), too many discoveries run, "
                  "or the service is stopping", retry=True),
}


def _parameter(name: str, containers: bool) -> dict[str, Any]:
    if name == "types":
        return {"name": "types", "in": "query", "required": False,
                "description": "namespace types to discover, separated by commas (" + ", ".join(TYPE_NAMES)
                + "), 'all' or 'none'",
                "schema": {"type": "string",
                           "pattern": "^(all|none|(" + "|".join(TYPE_NAMES) + ")(,(" + "|".join(TYPE_NAMES)
                           + "))*)$"}}
    values = list(BOOLEAN_VALUES)
    description = DESCRIPTIONS[name]
    if name == "containers" and not containers:  # the server runs with --no-containers
        values = [v for v in values if v in FALSE]
        description += " (off on this server: --no-containers)"
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "enum": values}}


def _operation(e: Endpoint, containers: bool) -> dict[str, Any]:
    return {
        "operationId": e.name,
        "summary": e.summary,
        "description": "Runs (or shares, or reuses for --max-age seconds) a discovery and returns "
                       f"its {e.schema}.",
        "parameters": [*(_parameter(p, containers) for p in sorted(e.params)),
                       {"name": "If-None-Match", "in": "header", "required": False,
                        "description": "an ETag of an earlier answer: 304 if it is still the same",
                        "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": f"The {e.schema}",
                    "headers": {"ETag": {"description": "tag of these bytes", "schema": {"type": "string"}},
                                "Content-Encoding": {"description": "gzip where Accept-Encoding admits it",
                                                     "schema": {"type": "string"}}},
                    "content": {_JSON: {"schema": {"$ref": f"#/components/schemas/{e.schema}"}}}},
            "304": {"description": "Not modified: the answer has the ETag given in If-None-Match"},
            **_COMMON_ERRORS,
        },
    }


def _plain(summary: str, content: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": summary, "content": content}}
    responses["421"] = _COMMON_ERRORS["421"]
    responses.update(extra or {})
    return {"get": {"summary": summary, "responses": responses}}


def document(containers: bool = True) -> dict[str, Any]:
    """The document; ``containers=False`` for a server started with --no-containers."""
    health = {_JSON: {"schema": {"$ref": "#/components/schemas/Health"}}}
    unhealthy = {"503": {"description": "Not healthy / not ready", "content": health}}
    paths: dict[str, Any] = {e.path: {"get": _operation(e, containers)} for e in ENDPOINTS}
    paths["/api/openapi.json"] = _plain("This document", {_JSON: {"schema": {"type": "object"}}})
    paths["/metrics"] = _plain("Prometheus metrics (text format 0.0.4)",
                               {"text/plain": {"schema": {"type": "string"}}})
    paths["/healthz"] = _plain("Liveness: the service answers and no discovery hangs", health,
                               unhealthy)
    paths["/readyz"] = _plain("Readiness: a discovery has finished and none is overdue", health, unhealthy)
    return {
        "openapi": "3.1.0",
        "info": {"title": "lxkns service", "version": __version__,
                 "description": "Linux kernel namespaces, processes, mounts and containers of this host, "
                                "in the lxkns wire format. Read-only: GET and HEAD only."},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }


def document_bytes(containers: bool = True) -> bytes:
    """The OpenAPI document as JSON bytes."""
    return json.dumps(document(containers), sort_keys=True).encode()
