"""Writes layers.safetensors, the weights of layers.spec: small numbers from
a fixed seed, written with the standard library only. Run once; the file is
kept in the repository."""
import json
import random
import struct

random.seed(5)
shapes = {
    "norm.mul": [3], "norm.add": [3], "ff.B": [2, 3],
    "net.0.weight": [4, 4], "net.0.bias": [4],
    "net.1.weight": [4, 4], "net.1.bias": [4],
    "net.2.weight": [4, 4], "net.2.bias": [4],
    "net.3.weight": [4, 4],
    "net.4.weight": [2, 4], "net.4.bias": [2],
}
header, data = {}, b""
for name in sorted(shapes):
    n = 1
    for d in shapes[name]:
        n *= d
    values = [round(random.uniform(-0.8, 0.8), 6) for _ in range(n)]
    raw = struct.pack("<%dd" % n, *values)
    header[name] = {"dtype": "F64", "shape": shapes[name],
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open("layers.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + data)
