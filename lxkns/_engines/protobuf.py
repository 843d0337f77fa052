"""A small protobuf (proto3) codec driven by lxkns' own .proto files.

containerd and CRI engines speak gRPC with protobuf messages. Rather than
generating code (which ties the generated modules to one protobuf runtime
version, exactly what broke the stubs on PyPI), lxkns reads its minimal
.proto files in ``protos/`` at run time and encodes and decodes the wire
format itself. The .proto files stay the one place where field numbers are
written down; fields an engine sends that they do not declare are skipped.

Supported: proto3 scalars, enums (as ints), nested messages, ``repeated``
(packed or not), ``map<K, V>``, services with unary rpcs, and
``google.protobuf.Empty``. Decoded messages are dicts holding every declared
field (proto3 defaults for missing ones, None for an absent message).
"""

from __future__ import annotations

import functools
import os
import re
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

PROTOS = os.path.join(os.path.dirname(__file__), "protos")

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_SCALARS = {
    "int32": _VARINT, "int64": _VARINT, "uint32": _VARINT, "uint64": _VARINT,
    "sint32": _VARINT, "sint64": _VARINT, "bool": _VARINT,
    "fixed64": _I64, "sfixed64": _I64, "double": _I64,
    "fixed32": _I32, "sfixed32": _I32, "float": _I32,
    "string": _LEN, "bytes": _LEN,
}
_DEFAULTS: dict[str, object] = {"bool": False, "string": "", "bytes": b"", "double": 0.0, "float": 0.0}
_EMPTY = "google.protobuf.Empty"


class WireError(ValueError):
    """Bytes that are no valid encoding of the expected message."""


class SchemaError(ValueError):
    """A .proto file this codec cannot read."""


class Field(NamedTuple):
    name: str
    number: int
    type: str          # a scalar name, "enum", or the full name of a message type
    repeated: bool = False
    map_types: tuple[str, str] | None = None  # (key type, value type) of a map field


class MessageType(NamedTuple):
    name: str  # full name, package included
    fields: tuple[Field, ...]
    by_number: Mapping[int, Field]


class Method(NamedTuple):
    service: str  # full name, package included
    name: str
    request: str
    response: str

    def path(self, package: str | None = None) -> str:
        """The gRPC method path, optionally with the package swapped (same messages)."""
        service = self.service
        if package is not None:
            service = package + "." + service.rsplit(".", 1)[-1]
        return f"/{service}/{self.name}"


class ProtoFile(NamedTuple):
    package: str
    messages: Mapping[str, MessageType]
    methods: Mapping[str, Method]  # "Service.Method" -> Method

    def message(self, name: str) -> MessageType:
        full = name if name in self.messages else f"{self.package}.{name}"
        try:
            return self.messages[full]
        except KeyError:
            raise SchemaError(f"no message {name} in package {self.package}") from None

    def method(self, service: str, name: str) -> Method:
        try:
            return self.methods[f"{service}.{name}"]
        except KeyError:
            raise SchemaError(f"no rpc {service}.{name} in package {self.package}") from None


# ------------------------------------------------------------------ .proto parsing

_TOKEN = re.compile(r"""\s+ | //[^\n]* | /\*.*?\*/        # blanks and comments
                       | ("(?:[^"\\]|\\.)*")               # a string
                       | ([A-Za-z_][\w.]* | \d+ | [{}()<>\[\];=,])  # a word, number or sign
                    """, re.S | re.X)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise SchemaError(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = m.end()
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(m.group(2))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.package = ""
        self.raw: dict[str, list[tuple[str, str, int, bool, tuple[str, str] | None]]] = {}
        self.enums: set[str] = set()
        self.methods: dict[str, tuple[str, str, str, str]] = {}

    def peek(self) -> str:
        return self.toks[self.i] if self.i < len(self.toks) else ""

    def take(self, expected: str | None = None) -> str:
        if self.i >= len(self.toks):
            raise SchemaError("unexpected end of file")
        tok = self.toks[self.i]
        if expected is not None and tok != expected:
            raise SchemaError(f"expected {expected!r}, found {tok!r}")
        self.i += 1
        return tok

    def skip_statement(self) -> None:
        depth = 0
        while True:
            tok = self.take()
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return
            elif tok == ";" and depth == 0:
                return

    def parse(self) -> None:
        while self.i < len(self.toks):
            tok = self.take()
            if tok == "package":
                self.package = self.take()
                self.take(";")
            elif tok == "message":
                self.message(self.package)
            elif tok == "enum":
                self.enum(self.package)
            elif tok == "service":
                self.service()
            elif tok in ("syntax", "import", "option"):
                self.i -= 1
                self.skip_statement()
            elif tok != ";":
                raise SchemaError(f"unexpected {tok!r} at top level")

    def scoped(self, scope: str, name: str) -> str:
        return f"{scope}.{name}" if scope else name

    def enum(self, scope: str) -> None:
        self.enums.add(self.scoped(scope, self.take()))
        self.take("{")
        while self.peek() != "}":
            self.skip_statement()
        self.take("}")

    def message(self, scope: str) -> None:
        full = self.scoped(scope, self.take())
        fields = self.raw.setdefault(full, [])
        self.take("{")
        while (tok := self.take()) != "}":
            if tok == "message":
                self.message(full)
            elif tok == "enum":
                self.enum(full)
            elif tok in ("option", "reserved", "extensions", "oneof"):
                if tok == "oneof":
                    raise SchemaError("oneof is not supported")
                self.i -= 1
                self.skip_statement()
            elif tok == ";":
                continue
            else:
                repeated = tok == "repeated"
                typ = self.take() if repeated or tok in ("optional",) else tok
                map_types = None
                if typ == "map":
                    self.take("<")
                    key = self.take()
                    self.take(",")
                    value = self.take()
                    self.take(">")
                    map_types = (key, value)
                name = self.take()
                self.take("=")
                number = int(self.take())
                if self.peek() == "[":
                    while self.take() != "]":
                        pass
                self.take(";")
                fields.append((name, typ, number, repeated, map_types))

    def service(self) -> None:
        service = self.scoped(self.package, self.take())
        self.take("{")
        while (tok := self.take()) != "}":
            if tok != "rpc":
                self.i -= 1
                self.skip_statement()
                continue
            name = self.take()
            self.take("(")
            request = self.take()
            self.take(")")
            self.take("returns")
            self.take("(")
            response = self.take()
            self.take(")")
            if self.peek() == "{":
                self.skip_statement()
            else:
                self.take(";")
            self.methods[f"{service.rsplit('.', 1)[-1]}.{name}"] = (service, name, request, response)

    def resolve(self, scope: str, name: str) -> str:
        """A type name as written in ``scope``, made absolute (innermost scope first)."""
        if name in _SCALARS:
            return name
        if name == _EMPTY:
            return _EMPTY
        parts = scope.split(".") if scope else []
        while True:
            candidate = ".".join([*parts, name])
            if candidate in self.raw:
                return candidate
            if candidate in self.enums:
                return "enum"
            if not parts:
                raise SchemaError(f"unknown type {name} in {scope or 'the file'}")
            parts.pop()

    def result(self) -> ProtoFile:
        messages: dict[str, MessageType] = {}
        for full, raw in self.raw.items():
            fields = []
            for name, typ, number, repeated, map_types in raw:
                if map_types is not None:
                    key, value = (self.resolve(full, t) for t in map_types)
                    if key not in _SCALARS or key in ("double", "float", "bytes"):
                        raise SchemaError(f"{full}.{name}: unsupported map key type {key}")
                    fields.append(Field(name, number, "map", True, (key, value)))
                else:
                    fields.append(Field(name, number, self.resolve(full, typ), repeated))
            numbers = {f.number: f for f in fields}
            if len(numbers) != len(fields) or any(not 0 < n < 1 << 29 for n in numbers):
                raise SchemaError(f"{full}: duplicate or invalid field numbers")
            messages[full] = MessageType(full, tuple(fields), numbers)
        messages[_EMPTY] = MessageType(_EMPTY, (), {})
        methods = {
            key: Method(service, name, self.resolve(self.package, req), self.resolve(self.package, resp))
            for key, (service, name, req, resp) in self.methods.items()
        }
        return ProtoFile(self.package, messages, methods)


def parse(text: str) -> ProtoFile:
    """Read the subset of proto3 this codec supports."""
    p = _Parser(text)
    p.parse()
    return p.result()


@functools.cache
def load(name: str) -> ProtoFile:
    """One of lxkns' .proto files by base name (``"cri"``), parsed once."""
    return load_path(os.path.join(PROTOS, name + ".proto"))


def load_path(path: str) -> ProtoFile:
    with open(path, encoding="utf-8") as f:
        return parse(f.read())


# ------------------------------------------------------------------ encoding

def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _scalar(typ: str, value: Any) -> bytes:
    if typ == "string":
        return str(value).encode("utf-8")
    if typ == "bytes":
        return bytes(value)
    if typ in ("sint32", "sint64"):
        v = int(value)
        return _varint((v << 1) ^ (v >> 63))
    if typ in ("bool", "enum", "int32", "int64", "uint32", "uint64"):
        return _varint(int(value))
    fmt = {"fixed64": "<Q", "sfixed64": "<q", "double": "<d", "fixed32": "<I", "sfixed32": "<i",
           "float": "<f"}[typ]
    return struct.pack(fmt, value)


def _wire_type(typ: str) -> int:
    return _SCALARS.get(typ, _VARINT if typ == "enum" else _LEN)


def _encode_value(pf: ProtoFile, typ: str, value: Any) -> bytes:
    if typ in _SCALARS or typ == "enum":
        return _scalar(typ, value)
    return encode(pf, typ, value)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire)
    if wire == _LEN:
        return key + _varint(len(payload)) + payload
    return key + payload


def encode(pf: ProtoFile, message: str, value: Mapping[str, Any] | None) -> bytes:
    """Encode a dict as the message type ``message`` of ``pf``; unknown keys are errors."""
    mt = pf.message(message)
    value = value or {}
    names = {f.name for f in mt.fields}
    unknown = set(value) - names
    if unknown:
        raise SchemaError(f"{mt.name} has no field {sorted(unknown)[0]}")
    out = bytearray()
    for f in mt.fields:
        v = value.get(f.name)
        if v is None:
            continue
        if f.map_types is not None:
            ktype, vtype = f.map_types
            for k, item in v.items():
                entry = (_field(1, _wire_type(ktype), _scalar(ktype, k))
                         + _field(2, _wire_type(vtype), _encode_value(pf, vtype, item)))
                out += _field(f.number, _LEN, entry)
        elif f.repeated:
            wire = _wire_type(f.type)
            if wire != _LEN and v:  # proto3 packs repeated numbers
                out += _field(f.number, _LEN, b"".join(_scalar(f.type, x) for x in v))
            else:
                for item in v:
                    out += _field(f.number, wire, _encode_value(pf, f.type, item))
        elif f.type in _SCALARS or f.type == "enum":
            if v == _DEFAULTS.get(f.type, 0):
                continue  # proto3 leaves default values out
            out += _field(f.number, _wire_type(f.type), _scalar(f.type, v))
        else:
            out += _field(f.number, _LEN, encode(pf, f.type, v))
    return bytes(out)


# ------------------------------------------------------------------ decoding

def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint too long")


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _from_varint(typ: str, raw: int) -> Any:
    if typ == "bool":
        return raw != 0
    if typ in ("int32", "enum"):
        return _signed(raw, 32)
    if typ == "int64":
        return _signed(raw, 64)
    if typ == "uint32":
        return raw & 0xFFFFFFFF
    if typ in ("sint32", "sint64"):
        return (raw >> 1) ^ -(raw & 1)
    return raw & ((1 << 64) - 1)


_FIXED = {"fixed64": "<Q", "sfixed64": "<q", "double": "<d", "fixed32": "<I", "sfixed32": "<i", "float": "<f"}


def _decode_one(pf: ProtoFile, typ: str, wire: int, data: bytes, pos: int) -> tuple[Any, int]:
    """One value of type ``typ`` at ``pos``, sent with wire type ``wire``."""
    if wire == _VARINT:
        raw, pos = _read_varint(data, pos)
        if _wire_type(typ) != _VARINT:
            raise WireError(f"varint sent for a field of type {typ}")
        return _from_varint(typ, raw), pos
    if wire in (_I64, _I32):
        size = 8 if wire == _I64 else 4
        if pos + size > len(data):
            raise WireError("truncated fixed-size field")
        if _wire_type(typ) != wire:
            raise WireError(f"fixed-size value sent for a field of type {typ}")
        return struct.unpack(_FIXED[typ], data[pos:pos + size])[0], pos + size
    if wire == _LEN:
        size, pos = _read_varint(data, pos)
        end = pos + size
        if end > len(data):
            raise WireError("truncated length-delimited field")
        chunk = data[pos:end]
        if typ == "string":
            try:
                return chunk.decode("utf-8"), end
            except UnicodeDecodeError:
                raise WireError("string field is not UTF-8") from None
        if typ == "bytes":
            return bytes(chunk), end
        if typ in _SCALARS or typ == "enum":
            raise WireError(f"length-delimited value sent for a field of type {typ}")
        return decode(pf, typ, chunk), end
    raise WireError(f"unsupported wire type {wire}")


def _skip(data: bytes, pos: int, wire: int) -> int:
    if wire == _VARINT:
        return _read_varint(data, pos)[1]
    if wire == _I64:
        pos += 8
    elif wire == _I32:
        pos += 4
    elif wire == _LEN:
        size, pos = _read_varint(data, pos)
        pos += size
    else:
        raise WireError(f"unsupported wire type {wire}")
    if pos > len(data):
        raise WireError("truncated unknown field")
    return pos


def _default(f: Field) -> Any:
    if f.map_types is not None:
        return {}
    if f.repeated:
        return []
    if f.type in _SCALARS or f.type == "enum":
        return _DEFAULTS.get(f.type, 0)
    return None


def decode(pf: ProtoFile, message: str, data: bytes) -> dict[str, Any]:
    """Decode ``data`` as the message type ``message`` of ``pf``; WireError if malformed."""
    mt = pf.message(message)
    out: dict[str, Any] = {f.name: _default(f) for f in mt.fields}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        f = mt.by_number.get(number)
        if number == 0:
            raise WireError("field number 0")
        if f is None:
            pos = _skip(data, pos, wire)
            continue
        if f.map_types is not None:
            if wire != _LEN:
                raise WireError(f"{mt.name}.{f.name}: map entry is not length-delimited")
            size, pos = _read_varint(data, pos)
            end = pos + size
            if end > len(data):
                raise WireError("truncated map entry")
            ktype, vtype = f.map_types
            k: Any = _DEFAULTS.get(ktype, 0)
            v: Any = _default(Field("value", 2, vtype))
            while pos < end:
                ekey, pos = _read_varint(data, pos)
                if ekey >> 3 == 1:
                    k, pos = _decode_one(pf, ktype, ekey & 7, data, pos)
                elif ekey >> 3 == 2:
                    v, pos = _decode_one(pf, vtype, ekey & 7, data, pos)
                else:
                    pos = _skip(data, pos, ekey & 7)
            if pos != end:
                raise WireError("map entry overruns its length")
            out[f.name][k] = v
        elif f.repeated and wire == _LEN and _wire_type(f.type) != _LEN:
            size, pos = _read_varint(data, pos)  # a packed run of numbers
            end = pos + size
            if end > len(data):
                raise WireError("truncated packed field")
            while pos < end:
                item, pos = _decode_one(pf, f.type, _wire_type(f.type), data, pos)
                out[f.name].append(item)
            if pos != end:
                raise WireError("packed field overruns its length")
        else:
            value, pos = _decode_one(pf, f.type, wire, data, pos)
            if f.repeated:
                out[f.name].append(value)
            elif isinstance(value, dict) and isinstance(out[f.name], dict):
                out[f.name].update(value)  # a message sent in parts is merged
            else:
                out[f.name] = value
    if pos != len(data):
        raise WireError("message overruns its length")
    return out
