"""jetgen_export: a PyTorch module into a jetgen spec and safetensors weights.

    from jetgen_export import export
    export(model, "model.spec")                 # writes model.spec, model.safetensors
    export(model, "pinn.spec", input_names=["x", "t"])

or from the shell, for a module saved whole with torch.save:

    /usr/bin/python3 tools/jetgen_export.py MODEL.pt SPEC [--input-names x,t]

The module is an nn.Sequential, or a module whose layers sit in one
nn.ModuleList or nn.Sequential attribute (as in the reference networks).
Layers: nn.Linear, nn.Identity and the activations jetgen knows (Tanh,
Sigmoid, Softplus, GELU, SiLU, Mish, ELU, SELU, Softsign, ReLU, LeakyReLU,
Hardtanh and ReLU6), nested nn.Sequential, and the modules below for what
PyTorch has no module for: Sin, Cos, Exp, Scale, Fourier, Residual. Any
other layer is refused with its name. Uses torch and the standard library
only; the safetensors file is written as safetensors.torch.save_file does.
"""

import json
import os
import struct
import sys
import tempfile

import torch
from torch import nn


class Sin(nn.Module):
    """sin(w0 * x), as in SIREN (w0 = 30 there)."""

    def __init__(self, w0=1.0):
        super().__init__()
        self.w0 = float(w0)

    def forward(self, x):
        return torch.sin(self.w0 * x)


class Cos(nn.Module):
    """cos(w0 * x)."""

    def __init__(self, w0=1.0):
        super().__init__()
        self.w0 = float(w0)

    def forward(self, x):
        return torch.cos(self.w0 * x)


class Exp(nn.Module):
    def forward(self, x):
        return torch.exp(x)


class Scale(nn.Module):
    """mul * x + add, elementwise; each a number or a tensor of the width,
    e.g. Scale(2 / (ub - lb), -(ub + lb) / (ub - lb)) maps [lb, ub] to
    [-1, 1]."""

    def __init__(self, mul=1.0, add=0.0):
        super().__init__()
        for name, v in (("mul", mul), ("add", add)):
            if isinstance(v, torch.Tensor):
                self.register_buffer(name, v.detach().clone())
            else:
                setattr(self, name, float(v))

    def forward(self, x):
        return self.mul * x + self.add


class Fourier(nn.Module):
    """[sin(x B^T), cos(x B^T)]: Fourier features with B [m, width] (put
    any 2 pi into B)."""

    def __init__(self, B):
        super().__init__()
        self.register_buffer("B", B.detach().clone())

    def forward(self, x):
        z = x @ self.B.T
        return torch.cat([torch.sin(z), torch.cos(z)], dim=-1)


class Residual(nn.Module):
    """x + f(x) with f the layers given, in order."""

    def __init__(self, *layers):
        super().__init__()
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.body(x)


class ExportError(ValueError):
    """A module jetgen cannot express, named in the message."""


def _dtype_name(t):
    names = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
    if t.dtype not in names:
        raise ExportError("tensor of dtype %s: jetgen reads F64, F32, F16 and BF16" % t.dtype)
    return names[t.dtype]


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous().reshape(-1)
    if t.dtype == torch.float64:
        return struct.pack("<%dd" % t.numel(), *t.tolist())
    if t.dtype == torch.float32:
        return struct.pack("<%df" % t.numel(), *t.tolist())
    if t.dtype == torch.float16:
        return struct.pack("<%de" % t.numel(), *t.tolist())
    # bfloat16: the high half of the float32 bits, exactly
    words = struct.unpack("<%dI" % t.numel(), struct.pack("<%df" % t.numel(), *t.float().tolist()))
    return struct.pack("<%dH" % t.numel(), *(w >> 16 for w in words))


def _write_atomic(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".jetgen-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_safetensors(tensors, path):
    """tensors: list of (name, tensor), written in the safetensors format."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        blob = _tensor_bytes(t)
        header[name] = {"dtype": _dtype_name(t), "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    _write_atomic(path, struct.pack("<Q", len(text)) + text + b"".join(blobs))


def _number(v):
    return repr(float(v))


def _layers_of(module):
    """The module's layers in order, with their state_dict prefixes."""
    if isinstance(module, nn.Sequential):
        return [(name, child) for name, child in module.named_children()]
    lists = [(name, child) for name, child in module.named_children()
             if isinstance(child, (nn.ModuleList, nn.Sequential))]
    if len(lists) != 1:
        raise ExportError("%s: not an nn.Sequential, and its layers are not in exactly one nn.ModuleList "
                          "or nn.Sequential attribute (found %d)" % (type(module).__name__, len(lists)))
    name, holder = lists[0]
    return [(name + "." + n, child) for n, child in holder.named_children()]


class _Writer:
    def __init__(self):
        self.lines, self.tensors, self.width, self.names = [], [], None, set()

    def tensor(self, name, t):
        if name in self.names:
            raise ExportError("tensor name %s used twice" % name)
        self.names.add(name)
        self.tensors.append((name, t))

    def layer(self, prefix, m):
        where = "layer %s (%s)" % (prefix, type(m).__name__)
        simple = {nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.SiLU: "silu", nn.Mish: "mish", nn.SELU: "selu",
                  nn.Softsign: "softsign", nn.ReLU: "relu", nn.Identity: "identity", Exp: "exp"}
        if type(m) in simple:
            self.lines.append(simple[type(m)])
        elif isinstance(m, nn.Linear):
            if self.width is not None and m.in_features != self.width:
                raise ExportError("%s: takes %d inputs but the layer before gives %d" % (where, m.in_features,
                                                                                          self.width))
            self.lines.append("dense %d %s" % (m.out_features, prefix))
            self.tensor(prefix + ".weight", m.weight)
            if m.bias is not None:
                self.tensor(prefix + ".bias", m.bias)
            self.width = m.out_features
        elif isinstance(m, nn.Softplus):
            self.lines.append("softplus beta=%s threshold=%s" % (_number(m.beta), _number(m.threshold)))
        elif isinstance(m, nn.GELU):
            approx = getattr(m, "approximate", "none")
            if approx not in ("none", "tanh"):
                raise ExportError("%s: approximate=%r is neither 'none' nor 'tanh'" % (where, approx))
            self.lines.append("gelu_tanh" if approx == "tanh" else "gelu")
        elif isinstance(m, nn.ELU):
            self.lines.append("elu alpha=%s" % _number(m.alpha))
        elif isinstance(m, nn.LeakyReLU):
            self.lines.append("leaky_relu negative_slope=%s" % _number(m.negative_slope))
        elif isinstance(m, nn.Hardtanh):       # ReLU6 too
            self.lines.append("hardtanh min_val=%s max_val=%s" % (_number(m.min_val), _number(m.max_val)))
        elif isinstance(m, (Sin, Cos)):
            self.lines.append("%s w0=%s" % ("sin" if isinstance(m, Sin) else "cos", _number(m.w0)))
        elif isinstance(m, Scale):
            args = []
            for name in ("mul", "add"):
                v = getattr(m, name)
                if isinstance(v, torch.Tensor) and v.numel() > 1:
                    if v.dim() != 1 or (self.width is not None and v.numel() != self.width):
                        raise ExportError("%s: %s has shape %s, not [%s]" % (where, name, list(v.shape),
                                                                             self.width))
                    self.tensor(prefix + "." + name, v)
                    args.append(prefix + "." + name)
                else:
                    args.append(_number(v))
            self.lines.append("scale %s %s" % tuple(args))
        elif isinstance(m, Fourier):
            if m.B.dim() != 2 or (self.width is not None and m.B.shape[1] != self.width):
                raise ExportError("%s: B has shape %s, expected [m, %s]" % (where, list(m.B.shape), self.width))
            self.tensor(prefix + ".B", m.B)
            self.lines.append("fourier %d %s.B" % (m.B.shape[0], prefix))
            self.width = 2 * m.B.shape[0]
        elif isinstance(m, Residual):
            before = self.width
            self.lines.append("residual")
            for name, child in m.body.named_children():
                self.layer(prefix + ".body." + name, child)
            if before is not None and self.width != before:
                raise ExportError("%s: its layers end %d wide but start %d wide" % (where, self.width, before))
            self.lines.append("end")
        elif isinstance(m, nn.Sequential):
            for name, child in m.named_children():
                self.layer(prefix + "." + name, child)
        else:
            raise ExportError("%s cannot be expressed in a jetgen spec" % where)


def export(module, spec_path, n_in=None, input_names=None):
    """Writes spec_path and, beside it, the weights (spec_path with the
    extension .safetensors). Returns the spec's text."""
    w = _Writer()
    layers = _layers_of(module)
    first = next((m for _, m in layers if isinstance(m, nn.Linear)), None)
    if input_names is not None:
        input_names = list(input_names)
        n_in = len(input_names) if n_in is None else n_in
        if len(input_names) != n_in:
            raise ExportError("%d input names for %d inputs" % (len(input_names), n_in))
    if n_in is None:
        if not layers or not isinstance(layers[0][1], nn.Linear):
            raise ExportError("the first layer is not nn.Linear: give n_in")
        n_in = first.in_features
    w.width = n_in
    for prefix, m in layers:
        w.layer(prefix, m)
    if first is None:
        raise ExportError("no nn.Linear layer: a jetgen network needs at least one")
    base = os.path.splitext(spec_path)[0]
    weights_path = base + ".safetensors"
    head = ["# exported by tools/jetgen_export.py from %s" % type(module).__name__,
            "input " + (" ".join(input_names) if input_names else str(n_in)),
            "weights " + os.path.basename(weights_path)]
    text = "\n".join(head + w.lines) + "\n"
    save_safetensors(w.tensors, weights_path)
    _write_atomic(spec_path, text.encode())
    return text


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    names = None
    if len(argv) == 5 and argv[3] == "--input-names":
        names = argv[4].split(",")
    elif len(argv) != 3:
        print("usage: jetgen_export.py MODEL.pt SPEC [--input-names x,t]", file=sys.stderr)
        return 2
    try:
        module = torch.load(argv[1], map_location="cpu")
        export(module, argv[2], input_names=names)
    except ExportError as e:
        print("jetgen_export: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
