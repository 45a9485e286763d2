"""ddp.py: jetgen.torch.JetModule under DistributedDataParallel (gloo, two
processes on the loopback address, launched by torchrun; meson runs
`torchrun --nproc_per_node 2 tests/ddp.py`): each process takes half of
the points; after backward the gradients of every parameter (averaged by
DDP) equal those of one process on the whole batch (1e-12), and after
three optimizer steps the parameters are equal in both processes and to
the one-process run's.

Across machines the same script runs with torchrun's --nnodes,
--node_rank and --master_addr of the first machine (docs: README,
"Training")."""

import os
import sys
import warnings

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

from jetgen.torch import JetModule


def make_model():
    torch.manual_seed(7)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def loss_of(u, du, lap):
    return ((0.01 * lap - u ** 3 + u) ** 2).mean() + (du ** 2).mean()


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)
    x = torch.rand(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # one process, the whole batch
        solo = make_model()
        solo_jet = JetModule(solo, mode="laplacian", threads=1)
        solo_opt = torch.optim.SGD(solo.parameters(), lr=0.05)
        # this process's half, through DDP
        model = make_model()
        ddp = DDP(JetModule(model, mode="laplacian", threads=1))
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05)
    share = x.shape[0] // world
    mine = x[rank * share:(rank + 1) * share]
    bad = 0
    for step in range(3):
        solo_opt.zero_grad()
        loss_of(*solo_jet(x)).backward()
        opt.zero_grad()
        loss_of(*ddp(mine)).backward()
        for (name, a), b in zip(model.named_parameters(), solo.parameters()):
            e = float((a.grad - b.grad).abs().max() / b.grad.abs().max())
            if not e <= 1e-12:
                print("rank %d step %d: gradient of %s off by %.3g" % (rank, step, name, e))
                bad += 1
        solo_opt.step()
        opt.step()
    for a, b in zip(model.parameters(), solo.parameters()):
        if not float((a - b).abs().max()) <= 1e-12:
            print("rank %d: parameters differ from the one-process run" % rank)
            bad += 1
    flag = torch.tensor([bad], dtype=torch.float64)
    dist.all_reduce(flag)
    if rank == 0:
        print("ddp: %d processes, %d failures" % (world, int(flag.item())))
    dist.destroy_process_group()
    return 1 if flag.item() else 0


if __name__ == "__main__":
    sys.exit(main())
