"""A corpus of hostile project files, generated on demand: name -> (expected outcome, maker).

Each maker writes one file (or folder, link, FIFO) at the path it is given. The expected
outcome is "error" (engine.load raises ProjectError; the CLI exits 2 with one line) or "ok"
(the file opens; any problem shows on a node). Strings that would run code if a file could
run code all `touch MARKER` in the current folder. Used by test_hostile_files.py.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import torch
from safetensors.torch import save as save_safetensors

MARKER = "PWNED_MARKER"
CODE = f"__import__('os').system('touch {MARKER}')"
JSON_NAME, WEIGHTS_NAME = "netwright.json", "weights.safetensors"


def node(id_, layer, params=None, pos=(0, 0), **extra):
    return {"id": id_, "layer": layer, "params": params or {}, "pos": list(pos), **extra}


def network(nodes=None, edges=None):
    if nodes is None:
        nodes = [node("input", "input", {"shape": [4]}), node("fc", "linear", {"out_features": 2}, (0, 100))]
        edges = [["input", "fc"]]
    return {"nodes": nodes, "edges": edges or []}


def doc(net=None, **overrides):
    base = {"format": "netwright-project", "version": 1, "network": net or network(), "training": None, "meta": {}}
    base.update(overrides)
    return base


def text(d) -> bytes:
    return json.dumps(d).encode()


def fc_weights(dtype=torch.float32, fill=None, extra=None, drop=False, shape=(2, 4)) -> bytes:
    tensors = {"fc.weight": torch.randn(*shape).to(dtype), "fc.bias": torch.zeros(2).to(dtype)}
    if fill is not None:
        tensors["fc.weight"].view(-1)[0] = fill
    if extra:
        tensors.update(extra)
    if drop:
        del tensors["fc.bias"]
    return save_safetensors(tensors)


def raw_safetensors(header: dict, data: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + data


def archive(members: dict[str, bytes], compress=zipfile.ZIP_DEFLATED, comment=b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.comment = comment
    return buffer.getvalue()


def project(d=None, weights: bytes | None = None) -> bytes:
    members = {JSON_NAME: text(d or doc())}
    if weights is not None:
        members[WEIGHTS_NAME] = weights
    return archive(members)


def with_flag(data: bytes, member: str, bit: int) -> bytes:
    """Set a general-purpose flag bit of `member` in its local header and directory entry."""
    out = bytearray(data)
    name = member.encode()
    for sig, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (at := out.find(sig, start)) >= 0:
            if out[at + name_at:at + name_at + len(name)] == name:
                flags = struct.unpack_from("<H", out, at + flag_at)[0] | bit
                struct.pack_into("<H", out, at + flag_at, flags)
            start = at + 4
    return bytes(out)


def with_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Lie about `member`'s uncompressed size in both headers."""
    out = bytearray(data)
    name = member.encode()
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (at := out.find(sig, start)) >= 0:
            if out[at + name_at:at + name_at + len(name)] == name:
                struct.pack_into("<I", out, at + size_at, size)
            start = at + 4
    return bytes(out)


def deflate_bomb(member: str, inflated: int, head: bytes = b"") -> bytes:
    """An archive whose `member` inflates to `inflated` bytes (zeros after `head`) from a few kB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks, left, zeros = [compressor.compress(head)], inflated - len(head), bytes(2**20)
    while left > 0:
        chunks.append(compressor.compress(zeros[:min(left, len(zeros))]))
        left -= len(zeros)
    chunks.append(compressor.flush())
    body = b"".join(chunks)
    crc = 0
    crc = zlib.crc32(head, crc)
    left = inflated - len(head)
    while left > 0:
        crc = zlib.crc32(zeros[:min(left, len(zeros))], crc)
        left -= len(zeros)
    return _stored_archive([(JSON_NAME, text(doc()), None), (member, body, (crc, inflated))])


def _stored_archive(entries) -> bytes:
    """A zip written by hand: (name, payload, None) is stored; (name, deflated, (crc, size)) deflated."""
    out, directory = bytearray(), bytearray()
    for name, payload, deflated in entries:
        crc, size, method = (zlib.crc32(payload), len(payload), 0) if deflated is None else (*deflated, 8)
        offset = len(out)
        n = name.encode()
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(payload), size, len(n), 0)
        out += n + payload
        directory += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                                 len(payload), size, len(n), 0, 0, 0, 0, 0, offset) + n
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(out), 0)
    return bytes(out + directory + end)


def many_nodes(count: int) -> bytes:
    nodes = [node("input", "input", {"shape": [4]})] + [node(f"r{i}", "relu") for i in range(count)]
    return text(doc(network(nodes, [])))


def deep(levels: int) -> bytes:
    return b'{"format": "netwright-project", "version": 1, "meta": ' + b"[" * levels + b"]" * levels + b"}"


def write(make):
    """A maker writing `make()`'s bytes (built only when the case runs)."""
    return lambda path: path.write_bytes(make())


def fifo(path: Path) -> None:
    os.mkfifo(path)


def symlink_loop(path: Path) -> None:
    os.symlink(path.name, path)


def folder(path: Path) -> None:
    path.mkdir()


def link_to_good(path: Path) -> None:
    target = path.with_name("good-target.nwproj")
    target.write_bytes(project())
    os.symlink(target.name, path)


BN_NET = network([node("input", "input", {"shape": [4]}), node("bn", "batchnorm1d", {}, (0, 100))], [["input", "bn"]])


def bn_state(counter) -> bytes:
    return save_safetensors({"bn.weight": torch.ones(4), "bn.bias": torch.zeros(4), "bn.running_mean": torch.zeros(4),
                             "bn.running_var": torch.ones(4), "bn.num_batches_tracked": counter})


def _cases() -> dict:
    c: dict = {}
    ok, err = "ok", "error"
    # -- the file itself -----------------------------------------------------------------
    c["empty file"] = (err, write(lambda: b""))
    c["PK only"] = (err, write(lambda: b"PK"))
    c["random bytes"] = (err, write(lambda: os.urandom(300)))
    c["truncated archive"] = (err, write(lambda: project(weights=fc_weights())[:200]))
    c["folder named like a project"] = (err, folder)
    c["symlink loop"] = (err, symlink_loop)
    c["FIFO (open would block)"] = (err, fifo)
    c["symlink to a good project"] = (ok, link_to_good)
    c["plain JSON over 32 MB"] = (err, write(lambda: b"{" + b" " * (32 * 2**20 + 10) + b"}"))
    c["3 million empty lists (a memory bomb under the size cap)"] = (err, write(lambda: text(doc(meta={"x": [[]] * 3_000_000}))))
    c["4 million numbers"] = (err, write(lambda: text(doc(meta={"x": [1.5] * 4_000_000}))))
    # -- the archive -----------------------------------------------------------------------
    c["archive without netwright.json"] = (err, write(lambda: archive({"other.txt": b"hi"})))
    c["archive with 40 members"] = (err, write(lambda: archive({JSON_NAME: text(doc()), **{f"f{i}": b"" for i in range(40)}})))
    c["archive with 5000 members"] = (err, write(lambda: archive({f"f{i}": b"" for i in range(5000)}, zipfile.ZIP_STORED)))
    c["encrypted JSON member"] = (err, write(lambda: with_flag(project(), JSON_NAME, 0x1)))
    c["encrypted weights member"] = (err, write(lambda: with_flag(project(weights=fc_weights()), WEIGHTS_NAME, 0x1)))
    c["bzip2 JSON member"] = (err, write(lambda: archive({JSON_NAME: text(doc())}, zipfile.ZIP_BZIP2)))
    c["lzma JSON member"] = (err, write(lambda: archive({JSON_NAME: text(doc())}, zipfile.ZIP_LZMA)))
    c["JSON member honestly 40 MB"] = (err, write(lambda: archive({JSON_NAME: b"{" + b" " * (40 * 2**20) + b"}"})))
    c["JSON member declares 100 bytes, holds 10 MB"] = (err, write(lambda: with_declared_size(
        archive({JSON_NAME: b"{" + b" " * (10 * 2**20) + b"}"}), JSON_NAME, 100)))
    c["weights bomb: 200 MB of zeros from a few kB"] = (err, write(lambda: deflate_bomb(WEIGHTS_NAME, 200 * 2**20)))
    c["weights bomb declaring 1 kB"] = (err, write(lambda: with_declared_size(deflate_bomb(WEIGHTS_NAME, 50 * 2**20),
                                                                      WEIGHTS_NAME, 1024)))
    c["weights larger than the network needs"] = (err, write(lambda: project(weights=fc_weights(
        extra={"junk": torch.zeros(100_000)}))))
    c["duplicate JSON members"] = (ok, write(_duplicate_json))
    c["64 kB archive comment"] = (ok, write(lambda: archive({JSON_NAME: text(doc())}, comment=b"x" * 65_000)))
    c["path traversal member names"] = (ok, write(lambda: archive({JSON_NAME: text(doc()), "../../evil.py": CODE.encode()})))
    c["empty weights member"] = (err, write(lambda: project(weights=b"")))
    c["flipped byte in the deflated JSON (zlib error)"] = (err, write(lambda: _flip_deflated(project())))
    # -- the JSON ----------------------------------------------------------------------------
    c["not JSON"] = (err, write(lambda: b"{hello"))
    c["JSON array"] = (err, write(lambda: b"[1, 2]"))
    c["UTF-16 JSON"] = (err, write(lambda: json.dumps(doc()).encode("utf-16")))
    c["BOM before JSON"] = (err, write(lambda: b"\xef\xbb\xbf" + text(doc())))
    c["trailing garbage"] = (err, write(lambda: text(doc()) + b" garbage"))
    c["no format tag"] = (err, write(lambda: text({"version": 1, "network": network()})))
    c["wrong format tag"] = (err, write(lambda: text(doc(format="pickle"))))
    c["version as text"] = (err, write(lambda: text(doc(version="1"))))
    c["version true"] = (err, write(lambda: text(doc(version=True))))
    c["version from the future"] = (err, write(lambda: text(doc(version=99))))
    c["version negative"] = (err, write(lambda: text(doc(version=-1))))
    c["no network"] = (err, write(lambda: text({"format": "netwright-project", "version": 1})))
    c["nodes not a list"] = (err, write(lambda: text(doc({"nodes": {}, "edges": []}))))
    c["edges not a list"] = (err, write(lambda: text(doc({"nodes": [], "edges": "a"}))))
    c["100,000 nested lists"] = (err, write(lambda: deep(100_000)))
    c["40 nested lists in meta"] = (err, write(lambda: deep(40)))
    c["5000-digit integer"] = (err, write(lambda: text(doc()).replace(b'"out_features": 2', b'"out_features": ' + b"9" * 5000)))
    c["2000-digit integer parameter"] = (err, write(lambda: text(doc()).replace(b'"out_features": 2',
                                                                        b'"out_features": ' + b"9" * 2000)))
    c["4000-digit integer position"] = (ok, write(lambda: text(doc()).replace(b'"pos": [0, 100]', b'"pos": [' + b"9" * 4000 + b", 1]")))
    c["NaN position"] = (ok, write(lambda: text(doc()).replace(b'"pos": [0, 100]', b'"pos": [NaN, 1]')))
    c["infinite position"] = (ok, write(lambda: text(doc()).replace(b'"pos": [0, 100]', b'"pos": [Infinity, -Infinity]')))
    c["position 1e300"] = (ok, write(lambda: text(doc(network([node("input", "input", {"shape": [4]}, (1e300, -1e18))])))))
    c["position as text"] = (err, write(lambda: text(doc(network([node("input", "input", pos=("1", "2"))])))))
    c["position with 3 values"] = (err, write(lambda: text(doc(network([node("input", "input", pos=(1, 2, 3))])))))
    c["position true/false"] = (err, write(lambda: text(doc(network([node("input", "input", pos=(True, False))])))))
    c["node id with a dash"] = (err, write(lambda: text(doc(network([node("a-b", "input")])))))
    c["node id a keyword"] = (err, write(lambda: text(doc(network([node("class", "input")])))))
    c["node id reserved"] = (err, write(lambda: text(doc(network([node("forward", "input")])))))
    c["node id of 10,000 characters"] = (err, write(lambda: text(doc(network([node("a" * 10_000, "input")])))))
    c["node id that is code"] = (err, write(lambda: text(doc(network([node(CODE, "input")])))))
    c["node id a number"] = (err, write(lambda: text(doc(network([{"id": 7, "layer": "input"}])))))
    c["duplicate node ids"] = (err, write(lambda: text(doc(network([node("a", "input"), node("a", "relu")])))))
    c["unknown layer"] = (err, write(lambda: text(doc(network([node("a", "evil")])))))
    c["layer that is code"] = (err, write(lambda: text(doc(network([node("a", CODE)])))))
    c["params a list"] = (err, write(lambda: text(doc(network([{"id": "a", "layer": "relu", "params": [1]}])))))
    c["dict-valued parameter"] = (ok, write(lambda: text(doc(network([node("input", "input", {"shape": {"a": 1}})])))))
    c["nested list parameter"] = (ok, write(lambda: text(doc(network([node("input", "input", {"shape": [[1, [2]]]})])))))
    c["parameter nested 6 deep"] = (err, write(lambda: text(doc(network([node("input", "input", {"shape": [[[[[[1]]]]]]})])))))
    c["parameter text of 20,000 characters"] = (err, write(lambda: text(doc(network([node("r", "relu", {"x": "y" * 20_000})])))))
    c["parameter text that is code"] = (ok, write(lambda: text(doc(network([node("input", "input", {"dtype": CODE})])))))
    c["unknown parameter"] = (ok, write(lambda: text(doc(network([node("r", "relu", {"evil": 1})])))))
    c["bool for an integer"] = (ok, write(lambda: text(doc(network([node("input", "input", {"shape": [4]}),
                                                               node("fc", "linear", {"out_features": True})],
                                                              [["input", "fc"]])))))
    c["NaN parameter"] = (ok, write(lambda: text(doc()).replace(b'"out_features": 2', b'"out_features": NaN')))
    c["infinite parameter"] = (ok, write(lambda: text(doc()).replace(b'"out_features": 2', b'"out_features": -Infinity')))
    c["negative size"] = (ok, write(lambda: text(doc()).replace(b'"out_features": 2', b'"out_features": -5')))
    c["absurd size (10^15 outputs)"] = (ok, write(lambda: text(doc()).replace(b'"out_features": 2', b'"out_features": 1000000000000000')))
    c["null parameters"] = (err, write(lambda: text(doc(network([{"id": "a", "layer": "relu", "params": None}])))))
    c["edge to a missing node"] = (err, write(lambda: text(doc(network([node("input", "input")], [["input", "ghost"]])))))
    c["self-loop"] = (err, write(lambda: text(doc(network([node("input", "input"), node("r", "relu")], [["r", "r"]])))))
    c["duplicate edge"] = (err, write(lambda: text(doc(network(network()["nodes"], [["input", "fc"], ["input", "fc"]])))))
    c["edge of three names"] = (err, write(lambda: text(doc(network(network()["nodes"], [["input", "fc", "x"]])))))
    c["edge of numbers"] = (err, write(lambda: text(doc(network(network()["nodes"], [[1, 2]])))))
    c["cycle"] = (ok, write(lambda: text(doc(network([node("input", "input"), node("a", "relu"), node("b", "relu")],
                                             [["input", "a"], ["a", "b"], ["b", "a"]])))))
    c["two inputs"] = (ok, write(lambda: text(doc(network([node("input", "input"), node("input2", "input")])))))
    c["60,000 nodes"] = (err, write(lambda: many_nodes(60_000)))
    c["250,000 edges"] = (err, write(lambda: text(doc(network([node("input", "input")], [["input", "x"]] * 250_000)))))
    c["block with two dots"] = (err, write(lambda: text(doc(network([node("a", "input", block="a..b")])))))
    c["block a number"] = (err, write(lambda: text(doc(network([node("a", "input", block=3)])))))
    c["training a list"] = (err, write(lambda: text(doc(training=[1]))))
    c["meta a string"] = (err, write(lambda: text(doc(meta="x"))))
    c["meta with NaN and code"] = (ok, write(lambda: text(doc()).replace(b'"meta": {}', b'"meta": {"mean": [NaN], "class_names": ["'
                                                                 + CODE.encode().replace(b"'", b"\\u0027") + b'"]}')))
    c["empty network"] = (ok, write(lambda: text(doc(network([], [])))))
    # -- the weights -------------------------------------------------------------------------
    c["pickle as weights"] = (err, write(lambda: project(weights=pickle.dumps({"fc.weight": CODE}))))
    c["weights header runs past the end"] = (err, write(lambda: project(weights=struct.pack("<Q", 10**9) + b"{}")))
    c["weights header not JSON"] = (err, write(lambda: project(weights=struct.pack("<Q", 5) + b"hello")))
    c["weights header nested 100,000 deep"] = (err, write(lambda: project(weights=struct.pack("<Q", 200_000)
                                                                  + b"[" * 100_000 + b"]" * 100_000)))
    c["weights with an extra tensor"] = (err, write(lambda: project(weights=fc_weights(extra={"x": torch.zeros(1)}))))
    c["weights missing a tensor"] = (err, write(lambda: project(weights=fc_weights(drop=True))))
    c["weights of the wrong shape"] = (err, write(lambda: project(weights=fc_weights(shape=(3, 4)))))
    c["int8 weights"] = (err, write(lambda: project(weights=fc_weights(torch.int8))))
    c["bool weights"] = (err, write(lambda: project(weights=fc_weights(torch.bool))))
    c["float8 weights"] = (err, write(lambda: project(weights=fc_weights(torch.float8_e4m3fn))))
    c["complex weights (hand-made header)"] = (err, write(lambda: project(weights=raw_safetensors(
        {"fc.weight": {"dtype": "C64", "shape": [2, 4], "data_offsets": [0, 64]},
         "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [64, 72]}}, bytes(72)))))
    c["float16 weights"] = (ok, write(lambda: project(weights=fc_weights(torch.float16))))
    c["bfloat16 weights"] = (ok, write(lambda: project(weights=fc_weights(torch.bfloat16))))
    c["float64 weights"] = (ok, write(lambda: project(weights=fc_weights(torch.float64))))
    c["NaN weights"] = (err, write(lambda: project(weights=fc_weights(fill=float("nan")))))
    c["infinite weights"] = (err, write(lambda: project(weights=fc_weights(fill=float("inf")))))
    c["float64 weights overflowing float32"] = (err, write(lambda: project(weights=fc_weights(torch.float64, fill=1e300))))
    c["counter stored as float"] = (err, write(lambda: project(doc(BN_NET), bn_state(torch.tensor(3.0)))))
    c["batch-norm weights"] = (ok, write(lambda: project(doc(BN_NET), bn_state(torch.tensor(3)))))
    c["weights of a network with errors"] = (ok, write(lambda: project(doc(network([node("input", "input", {"shape": [4]}),
                                                                           node("fc", "linear", {"out_features": -1})],
                                                                          [["input", "fc"]])), fc_weights())))
    c["weights claiming a huge shape"] = (err, write(lambda: project(weights=raw_safetensors(
        {"fc.weight": {"dtype": "F32", "shape": [2**31, 2**31], "data_offsets": [0, 32]},
         "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [32, 40]}}, bytes(40)))))
    c["weights with overlapping offsets"] = (err, write(lambda: project(weights=raw_safetensors(
        {"fc.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]},
         "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, bytes(32)))))
    c["weights with offsets past the end"] = (err, write(lambda: project(weights=raw_safetensors(
        {"fc.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]},
         "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [32, 4000]}}, bytes(40)))))
    return c


def _duplicate_json() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        zf.writestr(JSON_NAME, b"{}")
        zf.writestr(JSON_NAME, text(doc()))
    return buffer.getvalue()


def _flip_deflated(data: bytes, member: str = JSON_NAME) -> bytes:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    out = bytearray(data)
    out[info.header_offset + 30 + len(info.filename)] ^= 0xFF  # the first deflate block header
    return bytes(out)


CASES = _cases()
