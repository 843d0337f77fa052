"""The gRPC messages lxkns exchanges with engines, described in code for the protobuf runtime.

containerd and CRI engines speak gRPC with protobuf messages. lxkns
declares only the messages and fields it reads (names and numbers of the
public APIs) as plain data here and in the API modules; on first use they
become descriptor protos (``descriptor_pb2``) in a private descriptor pool,
and the protobuf runtime makes message classes from them
(``message_factory``). No generated ``_pb2`` modules, so no lock between
the protoc that generated them and the runtime installed; the runtime does
the wire format, merging, field presence and unknown fields.

The runtime (package ``protobuf``) is optional, like grpcio (``pip install
lxkns[containerd]``): it is imported when a message is first needed, and its
absence is a :class:`~lxkns._engines.errors.GrpcMissing` error.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .errors import GrpcMissing

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import DescriptorProto, FileDescriptorProto
    from google.protobuf.descriptor_pool import DescriptorPool
    from google.protobuf.message import Message as RuntimeMessage

#: scalar type names as in .proto files
SCALARS = frozenset({"double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool",
                     "string", "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64"})
EMPTY = "google.protobuf.Empty"
_EMPTY_FILE = "google/protobuf/empty.proto"


# ------------------------------------------------------------------ declarations

@dataclass(frozen=True)
class Field:
    """One field: its type is a scalar name, or a message or enum name as written in a
    .proto file of the same package (``Container.Runtime``, ``google.protobuf.Empty``)."""

    name: str
    number: int
    type: str
    repeated: bool = False
    map_value: str | None = None  #: a ``map<type, map_value>`` field


@dataclass(frozen=True)
class Enum:
    """An enum and its values, in declaration order."""

    name: str
    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Message:
    """A message, with the messages and enums declared inside it."""

    name: str
    fields: tuple[Field, ...]
    nested: tuple[Message, ...] = ()
    enums: tuple[Enum, ...] = ()


@dataclass(frozen=True)
class Rpc:
    """One unary rpc of a service."""

    name: str
    request: str
    response: str


@dataclass(frozen=True)
class Service:
    """A gRPC service."""

    name: str
    rpcs: tuple[Rpc, ...]


@dataclass(frozen=True)
class ApiFile:
    """What one .proto file of an API would declare: the unit the runtime loads."""

    name: str
    package: str
    messages: tuple[Message, ...] = ()
    enums: tuple[Enum, ...] = ()
    services: tuple[Service, ...] = ()

    def descriptor(self) -> FileDescriptorProto:
        """This file as the descriptor proto protoc would make of its .proto text."""
        return _describe(self)


def _maps_entry(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_")) + "Entry"


class _Names:
    """Which names of a file are messages and which are enums, to resolve type names."""

    def __init__(self, api: ApiFile) -> None:
        self.package = api.package
        self.messages: set[str] = {EMPTY}
        self.enums: set[str] = set()
        self._collect(api.package, api.messages, api.enums)

    def _collect(self, scope: str, messages: Sequence[Message], enums: Sequence[Enum]) -> None:
        self.enums.update(f"{scope}.{e.name}" for e in enums)
        for m in messages:
            full = f"{scope}.{m.name}"
            self.messages.add(full)
            self._collect(full, m.nested, m.enums)

    def resolve(self, scope: str, name: str) -> tuple[bool, str]:
        """(whether an enum, ``.full.name``) of ``name`` written inside ``scope``, innermost first."""
        parts = scope.split(".")
        while True:
            candidate = ".".join([*parts, name]) if parts else name
            if candidate in self.messages:
                return False, "." + candidate
            if candidate in self.enums:
                return True, "." + candidate
            if not parts:
                raise ValueError(f"unknown type {name} in {scope}")
            parts.pop()


def _add_field(names: _Names, scope: str, out: DescriptorProto, f: Field) -> None:
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto as FDP

    entry = None
    if f.map_value is not None:
        entry = out.nested_type.add(name=_maps_entry(f.name))
        entry.options.map_entry = True
        _add_field(names, f"{scope}.{entry.name}", entry, Field("key", 1, f.type))
        _add_field(names, f"{scope}.{entry.name}", entry, Field("value", 2, f.map_value))
    fd = out.field.add(name=f.name, number=f.number,
                       label=FDP.LABEL_REPEATED if f.repeated or entry else FDP.LABEL_OPTIONAL)
    if entry is not None:
        fd.type, fd.type_name = FDP.TYPE_MESSAGE, f".{scope}.{entry.name}"
    elif f.type in SCALARS:
        fd.type = FDP.Type.Value("TYPE_" + f.type.upper())
    else:
        is_enum, fd.type_name = names.resolve(scope, f.type)
        fd.type = FDP.TYPE_ENUM if is_enum else FDP.TYPE_MESSAGE


def _add_message(names: _Names, scope: str, out: DescriptorProto, m: Message) -> None:
    out.name = m.name
    full = f"{scope}.{m.name}"
    for nested in m.nested:
        _add_message(names, full, out.nested_type.add(), nested)
    for e in m.enums:
        ed = out.enum_type.add(name=e.name)
        for value_name, number in e.values:
            ed.value.add(name=value_name, number=number)
    for f in m.fields:
        _add_field(names, full, out, f)


def _describe(api: ApiFile) -> FileDescriptorProto:
    from google.protobuf import descriptor_pb2

    names = _Names(api)
    fd = descriptor_pb2.FileDescriptorProto(name=api.name, package=api.package, syntax="proto3")
    if any(EMPTY in (r.request, r.response) for s in api.services for r in s.rpcs):
        fd.dependency.append(_EMPTY_FILE)
    for m in api.messages:
        _add_message(names, api.package, fd.message_type.add(), m)
    for e in api.enums:
        ed = fd.enum_type.add(name=e.name)
        for value_name, number in e.values:
            ed.value.add(name=value_name, number=number)
    for s in api.services:
        sd = fd.service.add(name=s.name)
        for r in s.rpcs:
            sd.method.add(name=r.name, input_type=names.resolve(api.package, r.request)[1],
                          output_type=names.resolve(api.package, r.response)[1])
    return fd


# ------------------------------------------------------------------ the runtime

_lock = threading.Lock()
_pools: list[DescriptorPool] = []  # the one pool, made on first use
_loaded: dict[str, ApiFile] = {}


def _new_pool() -> DescriptorPool:
    """A descriptor pool of our own (the default one may hold an engine's generated code)."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, empty_pb2
    except ImportError as exc:
        raise GrpcMissing(f"protobuf is not installed: {exc}") from None
    pool = descriptor_pool.DescriptorPool()
    empty = descriptor_pb2.FileDescriptorProto()
    empty_pb2.DESCRIPTOR.CopyToProto(empty)
    pool.Add(empty)
    return pool


def message_class(api: ApiFile, name: str) -> type[RuntimeMessage]:
    """The runtime's class of message ``name`` (relative to the file's package, or
    ``google.protobuf.Empty``), the file loaded into the pool first if need be.
    GrpcMissing if the protobuf runtime is not installed."""
    with _lock:  # engines are asked from several threads at once
        if not _pools:
            _pools.append(_new_pool())
        pool = _pools[0]
        known = _loaded.get(api.name)
        if known is None:
            pool.Add(api.descriptor())
            _loaded[api.name] = api
        elif known != api:
            raise ValueError(f"two different API files named {api.name}")
    from google.protobuf import message_factory

    full = name if name == EMPTY else f"{api.package}.{name}"
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full))


class Reply(Protocol):
    """What every message read from an engine can say beyond its fields."""

    def HasField(self, field_name: str) -> bool:
        """Whether a message field (or one with explicit presence) was sent."""
        ...


R = TypeVar("R", bound=Reply)


@dataclass(frozen=True)
class Method(Generic[R]):
    """A unary rpc ``service.name`` of ``api``; its answers read as ``R`` (a Protocol
    naming the fields lxkns reads)."""

    api: ApiFile
    service: str
    name: str
    _rpc: Rpc = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for s in self.api.services:
            for r in s.rpcs:
                if s.name == self.service and r.name == self.name:
                    object.__setattr__(self, "_rpc", r)
                    return
        raise ValueError(f"no rpc {self.service}.{self.name} in {self.api.name}")

    def path(self, package: str | None = None) -> str:
        """The gRPC method path, optionally with the package swapped (same messages)."""
        return f"/{package or self.api.package}.{self.service}/{self.name}"

    def request(self, **fields: Any) -> RuntimeMessage:
        """A request message; message fields may be given as dicts."""
        return message_class(self.api, self._rpc.request)(**fields)

    def response_class(self) -> type[RuntimeMessage]:
        """The runtime class the answers are parsed with."""
        return message_class(self.api, self._rpc.response)

    def response_type(self) -> str:
        """The full name of the answer's message type."""
        return EMPTY if self._rpc.response == EMPTY else f"{self.api.package}.{self._rpc.response}"
