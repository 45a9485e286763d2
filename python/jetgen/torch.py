"""jetgen.torch: the jet of a PyTorch module as a torch.autograd.Function,
for training loops.

    from jetgen.torch import Jet
    jet = Jet(model, mode="hessian")         # or "jacobian", "hessian_diag", "laplacian", "eval"
    u, du, d2u = jet(x)                      # x (n, n_in): torch tensors, through jetgen's C
    loss = ((d2u[:, :, 0, 0] - f) ** 2).mean() + ...
    loss.backward()                          # gradients to model.parameters() (and to x)
    optimizer.step()                         # the next jet(x) reads the new parameters

Across processes (DistributedDataParallel, any backend):

    ddp = DDP(JetModule(model, mode="laplacian"))
    u, du, lap = ddp(x_local)                # each process its share of the points

The module is exported once (jetgen.export, checked against the module);
at every call the module's current parameters are copied into the network
where they changed (their version counters say so), so optimizer steps
take effect without a new export. backward runs jetgen's reverse sweep
through the 2-jet (jg_net_gradient) and gives gradients to the module's
parameters that jetgen reads, and to x when x requires grad. Every
trainable parameter of the module must be one jetgen reads: the weights
and biases of its Linear layers, or a parameter the export writes as a
tensor k * parameter + b (k, b numbers) or its transpose: an adaptive
activation's slope (tanh(n * a * x)), a gate (alpha * h + (1 - alpha) *
x), a per-feature factor or shift, a trainable Fourier matrix (x @ (2 pi
B)), a weight used as x @ W.T; the gradient goes back through k (summed
where a scalar was broadcast, transposed back). A module with others (a
parameter inside a nonlinear function of constants, a product of two
parameters) is refused by name rather than trained wrong. Computes in float64; float32 inputs give float32
results (computed in float64, rounded once) and float32 gradients.
"""

import sys

import numpy as np
import torch

from . import Error, from_torch

_OUTPUTS = {"eval": 1, "jacobian": 2, "hessian": 3, "hessian_diag": 3, "laplacian": 3}


class Jet:
    """u and its derivatives of `module` by jetgen, differentiable."""

    def __init__(self, module, mode="hessian", threads=None, **export_args):
        if mode not in _OUTPUTS:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_OUTPUTS)))
        self.module = module
        self.mode = mode
        self.net = from_torch(module, threads=threads, **export_args)
        params = dict(module.named_parameters())
        read = [name for name, _, _ in self.net.tensors()]
        # tensors the export derived from parameters: k * parameter + b
        self._via = {}
        for t, p, k, b, w, tp in getattr(self.net, "trainable", []):
            self._via.setdefault(p, []).append((t, k, b, w, tp))
        missing = [k for k, p in params.items() if p.requires_grad and k not in read and k not in self._via]
        if missing:
            raise Error("jetgen.torch.Jet: %s %s trainable but not read by jetgen as a tensor (the export "
                        "folds it into a constant in a way jetgen cannot carry the gradient back through: "
                        "only k * parameter + b, with numbers k and b, is), so its gradient would be lost; "
                        "freeze it (requires_grad_(False)) or write it as an nn.Linear"
                        % (", ".join(missing), "is" if len(missing) == 1 else "are"))
        self._direct = set(read)
        self.params = [(name, params[name]) for name in read if name in params]
        self.params += [(name, params[name]) for name in self._via if name not in self._direct]
        self._versions = {}
        self._spare = []        # the last two calls' result arrays, reused once nobody else holds them

    def _free_results(self, n):
        """Result arrays of an earlier call with n points that nothing but
        this Jet refers to any more (the tensors made from them are gone),
        to be written again instead of allocating fresh pages (which the
        kernel zeroes); else None. Two sets are kept: in a loop written
        `u, du, lap = jet(x)`, the last call's tensors live until the call
        returns."""
        for k, spare in enumerate(self._spare):
            if spare[0].shape[0] == n and all(sys.getrefcount(a) <= 3 for a in spare):
                return self._spare.pop(k)      # 3: the tuple, a, getrefcount's argument
        return None

    def _keep_results(self, res):
        self._spare.append(tuple(res))
        del self._spare[:-2]

    def _sync(self):
        """Copies the module's parameters that changed since the last call."""
        for name, p in self.params:
            key = (id(p), p._version, p.data_ptr())
            if self._versions.get(name) != key:
                v = p.detach().to(torch.float64).cpu().numpy().ravel()
                if name in self._direct:
                    self.net.set_tensor(name, v)
                for t, k, b, w, tp in self._via.get(name, ()):
                    m = v.reshape(p.shape)
                    self.net.set_tensor(t, np.full(w, k * v[0] + b) if w else
                                        (k * (m.T if tp else m) + b).ravel())
                self._versions[name] = key

    def __call__(self, x):
        return self.jet(x)

    def jet(self, x):
        """The mode's results at x (n, n_in): u; (u, du); (u, du, d2u) or the
        diagonal's or the Laplacian's third."""
        out = _JetFunction.apply(self, x, *[p for _, p in self.params])
        return out[0] if len(out) == 1 else out


class JetModule(torch.nn.Module):
    """Jet as a module, whose forward(x) is jet(x): what
    torch.nn.parallel.DistributedDataParallel wraps, so that its gradient
    hooks see the backward of every step (DDP(JetModule(model)))."""

    def __init__(self, module, mode="hessian", threads=None, **export_args):
        super().__init__()
        self.module = module
        self._jet = Jet(module, mode=mode, threads=threads, **export_args)

    def forward(self, x):
        return self._jet(x)


class _JetFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, jet, x, *params):
        jet._sync()
        xs = x.detach().to(torch.float64).cpu().numpy()
        res = getattr(jet.net, "eval" if jet.mode == "eval" else jet.mode)(xs, out=jet._free_results(len(xs)))
        if jet.mode == "eval":
            res = (res,)
        jet._keep_results(res)
        ctx.set_materialize_grads(False)    # an unused result's cotangent is None, not zeros to read
        ctx.jet = jet
        ctx.xs = xs
        ctx.dtype = x.dtype
        ctx.device = x.device
        return tuple(torch.from_numpy(r).to(dtype=x.dtype, device=x.device) for r in res)

    @staticmethod
    def backward(ctx, *grads):
        jet = ctx.jet
        cot = [None if g is None else g.detach().to(torch.float64).cpu().numpy() for g in grads]
        while len(cot) < 3:
            cot.append(None)
        want_x = ctx.needs_input_grad[1]
        got = jet.net.gradient(jet.mode, ctx.xs, gu=cot[0], gdu=cot[1], gd2=cot[2], wrt_x=want_x)
        gp, gx = got if want_x else (got, None)
        out = [None, None if gx is None else torch.from_numpy(gx).to(dtype=ctx.dtype, device=ctx.device)]
        for (name, p), need in zip(jet.params, ctx.needs_input_grad[2:]):
            if not need:
                out.append(None)
                continue
            g = np.array(gp[name]).reshape(p.shape) if name in jet._direct else np.zeros(p.shape)
            for t, k, _, w, tp in jet._via.get(name, ()):      # the chain rule through k * parameter + b
                if w:
                    g = g + k * np.sum(gp[t])
                elif tp:
                    g = g + k * np.array(gp[t]).reshape(p.shape[::-1]).T
                else:
                    g = g + k * np.array(gp[t]).reshape(p.shape)
            out.append(torch.from_numpy(np.asarray(g, dtype=np.float64)).to(dtype=p.dtype, device=p.device))
        return tuple(out)
