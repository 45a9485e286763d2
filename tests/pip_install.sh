#!/usr/bin/env bash
# tests/pip_install.sh SOURCE PYTHON: the Python package as a user gets it.
# Copies the source tree's files (tracked and new, not the build folders)
# to a temporary folder, makes a virtual environment there with PYTHON
# (--system-site-packages: Debian's numpy and torch), runs the README's
# line in it, `python -m pip install --no-build-isolation .`, and then, in
# that environment and with no PYTHONPATH, imports jetgen from the
# environment's site packages and checks a from_torch export and a Jet
# training step against PyTorch's autograd (1e-12).
set -euo pipefail
src=$(cd "$1" && pwd)
python=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset PYTHONPATH LD_PRELOAD
mkdir "$tmp/src"
if [ -e "$src/.git" ]; then
    git -C "$src" ls-files -z -c -o --exclude-standard | (cd "$src" && tar --null -T - -cf -) \
        | tar -xf - -C "$tmp/src"
else
    (cd "$src" && tar --exclude='./build*' --exclude='./.mesonpy*' -cf - .) | tar -xf - -C "$tmp/src"
fi
"$python" -m venv --system-site-packages "$tmp/venv"
cd "$tmp/src"
if ! "$tmp/venv/bin/python" -m pip install --no-build-isolation . >"$tmp/pip.log" 2>&1; then
    tail -n 60 "$tmp/pip.log"
    echo "FAIL: pip install --no-build-isolation . failed (above)"
    exit 1
fi
grep -E "^Successfully installed" "$tmp/pip.log"
cd "$tmp"
"$tmp/venv/bin/python" - "$tmp/venv" <<'PY'
import os, sys
import torch
import jetgen
import jetgen.torch

venv = os.path.realpath(sys.argv[1])
where = os.path.realpath(jetgen.__file__)
assert where.startswith(venv + os.sep), "jetgen imported from %s, not the venv %s" % (where, venv)
print("jetgen", jetgen.__version__, "from", os.path.dirname(where))

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                            torch.nn.Linear(16, 1)).double()
x = torch.rand(64, 2, dtype=torch.float64)

# from_torch: u, du, d2u against nested autograd
net = jetgen.from_torch(model)
u, du, d2u = net.hessian(x.numpy())
xr = x.clone().requires_grad_(True)
ur = model(xr)
dur = torch.autograd.grad(ur.sum(), xr, create_graph=True)[0]
d2r = torch.stack([torch.autograd.grad(dur[:, i].sum(), xr, create_graph=True)[0] for i in range(2)], 1)
def err(a, b):
    a, b = torch.as_tensor(a).reshape(-1), b.detach().reshape(-1)
    return float((a - b).abs().max() / b.abs().max())
e = max(err(u, ur), err(du, dur), err(d2u, d2r))
assert e < 1e-12, "from_torch in the venv: error %g" % e

# a Jet training step: the parameters' gradients of a residual loss
jet = jetgen.torch.Jet(model, mode="hessian_diag")
u, du, d2 = jet(x)
loss = ((du[:, 0, 0] + u[:, 0] * du[:, 0, 1] - 0.01 * d2[:, 0, 1]) ** 2).mean()
got = torch.autograd.grad(loss, list(model.parameters()))
lr = ((dur[:, 0] + ur[:, 0] * dur[:, 1] - 0.01 * d2r[:, 1, 1]) ** 2).mean()
want = torch.autograd.grad(lr, list(model.parameters()))
e = max(err(g, w) for g, w in zip(got, want))
assert e < 1e-12, "Jet's gradients in the venv: error %g" % e
print("pip install: ok (from_torch and a Jet step agree with autograd)")
PY
