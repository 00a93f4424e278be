#!/usr/bin/python3
"""PyTorch (CPU) reference for the discern training benchmark.

Mirrors the networks in src/models/gan.ts and the benchmark definition: batch 64 of 28x28x1
images (NCHW here), one step = one discriminator/critic update + one generator update, with fresh
z ~ N(0, 1) for each update and a fixed random "real" batch in [-1, 1] (only compute is measured).

Workloads:
  mlp       MLP GAN, non-saturating BCE-with-logits losses, Adam(2e-4, betas (0.5, 0.999))
  dcgan     DCGAN (BatchNorm generator, conv critic), same losses and optimiser as mlp
  dcgan-gp  WGAN-GP on the DCGAN networks, lambda 10, Adam(1e-4, betas (0.5, 0.9))

Each (workload, threads) pair runs in a fresh subprocess of this script for threads 1 and 2; the
best median-window steps/s is reported. Prints exactly one JSON object on stdout, including the BLAS
library torch loaded: Debian's torch uses whatever libblas.so.3 the system provides, and the netlib
reference BLAS makes Linear layers ~10x slower than OpenBLAS (a warning is printed in that case).

Usage: /usr/bin/python3 bench/torch_reference.py [--workloads mlp,dcgan,dcgan-gp] [--quick]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

BATCH, LATENT, THREADS = 64, 100, (1, 2)
WORKLOADS = ("mlp", "dcgan", "dcgan-gp")
WARMUP = {"mlp": 10, "dcgan": 3, "dcgan-gp": 3}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def loaded_blas():
    """Shared libraries with 'blas' in their name mapped into this process (torch links libblas.so.3)."""
    with open("/proc/self/maps") as f:
        return sorted({l.split()[-1] for l in f if "blas" in l.rsplit("/", 1)[-1]})


def build(workload):
    """Returns a step() closure running one D update + one G update."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    lrelu = lambda: nn.LeakyReLU(0.2)
    if workload == "mlp":
        G = nn.Sequential(nn.Linear(LATENT, 256), lrelu(), nn.Linear(256, 512), lrelu(),
                          nn.Linear(512, 784), nn.Tanh())
        D = nn.Sequential(nn.Linear(784, 512), lrelu(), nn.Linear(512, 256), lrelu(),
                          nn.Linear(256, 1))
        real = torch.rand(BATCH, 784) * 2 - 1
    else:
        G = nn.Sequential(nn.Linear(LATENT, 7 * 7 * 128), nn.Unflatten(1, (128, 7, 7)),
                          nn.BatchNorm2d(128), nn.ReLU(),
                          nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
        D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), lrelu(), nn.Conv2d(64, 128, 4, 2, 1), lrelu(),
                          nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
        real = torch.rand(BATCH, 1, 28, 28) * 2 - 1

    gp = workload == "dcgan-gp"
    lr, betas = (1e-4, (0.5, 0.9)) if gp else (2e-4, (0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    z = lambda: torch.randn(BATCH, LATENT)

    def d_loss():
        fake = G(z()).detach()
        a_real, a_fake = D(real), D(fake)
        if not gp:
            return F.softplus(-a_real).mean() + F.softplus(a_fake).mean()
        eps = torch.rand(BATCH, 1, 1, 1)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
        penalty = ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        return a_fake.mean() - a_real.mean() + 10 * penalty

    def g_loss():
        a = D(G(z()))
        return -a.mean() if gp else F.softplus(-a).mean()

    def step():
        opt_d.zero_grad(set_to_none=True)
        d_loss().backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        g_loss().backward()  # D's grads from this pass are cleared by opt_d.zero_grad next step
        opt_g.step()

    return step


def worker(workload, threads, quick):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    step = build(workload)
    t0 = time.perf_counter()
    for _ in range(WARMUP[workload]):
        step()
    per_step = (time.perf_counter() - t0) / WARMUP[workload]
    n_windows, min_s = (3, 0.5) if quick else (5, 1.5)
    steps = max(1, int(min_s / per_step + 0.999))
    windows = []
    for _ in range(n_windows):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        windows.append(steps / (time.perf_counter() - t0))
    return {
        "steps_per_s": round(statistics.median(windows), 3),
        "windows": [round(w, 3) for w in windows],
        "steps_per_window": steps,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_worker(workload, threads, quick):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--workload", workload,
           "--threads", str(threads)] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True)
    return json.loads(proc.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true", help="3 windows of >= 0.5 s (smoke test)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()

    try:
        import torch
    except ImportError as e:
        sys.exit(f"torch_reference.py: cannot import torch ({e}); install python3-torch and run "
                 "with /usr/bin/python3")

    if args.worker:
        print(json.dumps(worker(args.workload, args.threads, args.quick)))
        return

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        sys.exit(f"torch_reference.py: unknown workload(s) {unknown}; choose from {WORKLOADS}")

    blas = loaded_blas()
    if not any(k in lib for lib in blas for k in ("openblas", "blis", "mkl", "atlas")):
        log(f"warning: torch is using a reference (unoptimised) BLAS {blas}; Linear layers will be "
            "~10x slow. Install libopenblas0-pthread (or put its directory on LD_LIBRARY_PATH).")
    result = {"torch_version": torch.__version__, "blas": blas, "workloads": {}}
    for w in workloads:
        by_threads = {}
        for t in THREADS:
            r = run_worker(w, t, args.quick)
            log(f"{w} threads={t}: {r['steps_per_s']:.2f} steps/s windows={r['windows']} "
                f"rss={r['peak_rss_mib']} MiB")
            by_threads[str(t)] = r
        best = max(by_threads, key=lambda t: by_threads[t]["steps_per_s"])
        result["workloads"][w] = {"best_steps_per_s": round(by_threads[best]["steps_per_s"], 3),
                                  "best_threads": int(best), "by_threads": by_threads}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
