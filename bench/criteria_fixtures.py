#!/usr/bin/python3
"""Float64 PyTorch reference values for discern's criteria (src/criteria/).

Writes test/fixtures/criteria.json: small inputs and, for every criterion, its value and its
gradients with respect to its inputs, computed independently of the TypeScript code:

  GAN losses, NCE, MMD², energy distance, ELBO   straight from the formulas, torch.autograd
  Sinkhorn divergence                            log-domain Sinkhorn run to convergence in float64,
                                                 gradients by autograd through all iterations (the
                                                 unrolled derivative tends to the envelope gradient
                                                 that discern computes in closed form)
  gradient penalty                               real = fake, so the interpolates do not depend on
                                                 discern's seeded ε; second order via create_graph

test/criteria.fixtures.test.ts compares discern (float32) against it.

Usage: /usr/bin/python3 bench/criteria_fixtures.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "criteria.json")


def values(t):
    return t.detach().reshape(-1).tolist()


def grads(f, *inputs):
    inputs = [t.clone().requires_grad_(True) for t in inputs]
    value = f(*inputs)
    return value.item(), [values(g) for g in torch.autograd.grad(value, inputs)]


def gan(gen):
    real, fake = torch.randn(6, generator=gen) * 2, torch.randn(5, generator=gen) * 2
    softplus = torch.nn.functional.softplus
    value, (g_real, g_fake) = grads(lambda r, f: softplus(-r).mean() + softplus(f).mean(), real, fake)
    out = {"real": values(real), "fake": values(fake), "discriminator": {"value": value, "gradReal": g_real, "gradFake": g_fake}}
    generator_costs = {
        "minimax": lambda f: torch.log(1 - torch.sigmoid(f)).mean(),
        "nonSaturating": lambda f: -torch.log(torch.sigmoid(f)).mean(),
        "maximumLikelihood": lambda f: -(torch.sigmoid(f) / (1 - torch.sigmoid(f))).mean(),
    }
    for name, cost in generator_costs.items():
        value, (g_fake,) = grads(cost, fake)
        out[name] = {"value": value, "gradFake": g_fake}
    return out


def nce(gen):
    nu = 3
    md, nd = torch.randn(4, generator=gen), torch.randn(4, generator=gen)
    mn, nn = torch.randn(12, generator=gen), torch.randn(12, generator=gen)

    def loss(md, nd, mn, nn):
        a_data, a_noise = md - nd - math.log(nu), mn - nn - math.log(nu)
        return -torch.log(torch.sigmoid(a_data)).mean() - nu * torch.log(1 - torch.sigmoid(a_noise)).mean()

    value, g = grads(loss, md, nd, mn, nn)
    return {
        "nu": nu,
        "modelLogDensityData": values(md), "noiseLogDensityData": values(nd),
        "modelLogDensityNoise": values(mn), "noiseLogDensityNoise": values(nn),
        "value": value, "grads": g,
    }


def point_sets(gen, n=6, m=5, d=3):
    return torch.randn(n, d, generator=gen), torch.randn(m, d, generator=gen) * 1.3 + 0.4


def mmd(gen):
    x, y = point_sets(gen)
    bandwidths = [0.5, 1.5]

    def mmd2(x, y, unbiased):
        def k(a, b):
            d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
            return sum(torch.exp(-d2 / (2 * s * s)) for s in bandwidths)

        def within(a):
            kaa = k(a, a)
            n = a.shape[0]
            return (kaa.sum() - kaa.diagonal().sum()) / (n * (n - 1)) if unbiased else kaa.mean()

        return within(x) + within(y) - 2 * k(x, y).mean()

    out = {"x": x.tolist(), "y": y.tolist(), "bandwidths": bandwidths}
    for name, unbiased in (("biased", False), ("unbiased", True)):
        value, (gx, gy) = grads(lambda a, b: mmd2(a, b, unbiased), x, y)
        out[name] = {"value": value, "gradX": gx, "gradY": gy}
    pooled = torch.cat([x, y])
    i, j = torch.triu_indices(len(pooled), len(pooled), 1)
    distances = (pooled[i] - pooled[j]).norm(dim=1).sort().values
    mid = len(distances) // 2
    out["medianBandwidth"] = (distances[mid].item() if len(distances) % 2 else (distances[mid - 1] + distances[mid]).item() / 2)
    return out


def sinkhorn(gen):
    x, y = point_sets(gen)
    blur, iterations = 0.5, 2000
    eps = blur ** 2

    def ot(a, b, iterations):
        cost = 0.5 * ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        log_a, log_b = -math.log(len(a)), -math.log(len(b))
        f, g = torch.zeros(len(a)), torch.zeros(len(b))
        for _ in range(iterations):
            f = -eps * torch.logsumexp(log_b + (g[None, :] - cost) / eps, dim=1)
            g = -eps * torch.logsumexp(log_a + (f[:, None] - cost) / eps, dim=0)
        # At convergence the dual value ⟨a, f⟩ + ⟨b, g⟩ equals the primal min ⟨π, C⟩ + ε·KL(π‖a⊗b).
        return f.mean() + g.mean()

    out = {"x": x.tolist(), "y": y.tolist(), "blur": blur}
    debiased = lambda a, b: ot(a, b, iterations) - 0.5 * ot(a, a, iterations) - 0.5 * ot(b, b, iterations)
    for name, f in (("debiased", debiased), ("biased", lambda a, b: ot(a, b, iterations))):
        value, (gx, gy) = grads(f, x, y)
        out[name] = {"value": value, "gradX": gx, "gradY": gy}
    return out


def energy(gen):
    x, y = point_sets(gen)

    def distances(a, b):
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)

    def within(z):
        # Self-pairs add 0; shifted off 0 before the sqrt, whose gradient is infinite there.
        eye = torch.eye(len(z))
        return ((distances(z, z) + eye).sqrt() * (1 - eye)).mean()

    def e(a, b):
        return 2 * distances(a, b).sqrt().mean() - within(a) - within(b)

    value, (gx, gy) = grads(e, x, y)
    return {"x": x.tolist(), "y": y.tolist(), "value": value, "gradX": gx, "gradY": gy}


def elbo(gen):
    sigma = 0.7
    x, r = torch.randn(4, 5, generator=gen), torch.randn(4, 5, generator=gen)
    mu, lv = torch.randn(4, 2, generator=gen), torch.randn(4, 2, generator=gen) * 0.5

    def f(x, r, mu, lv):
        normal = torch.distributions.Normal(r, sigma)
        log_likelihood = normal.log_prob(x).sum(1)
        kl = torch.distributions.kl_divergence(torch.distributions.Normal(mu, (0.5 * lv).exp()), torch.distributions.Normal(0.0, 1.0)).sum(1)
        return (log_likelihood - kl).mean()

    value, (_, gr, gmu, glv) = grads(f, x, r, mu, lv)
    return {"sigma": sigma, "x": x.tolist(), "reconstruction": r.tolist(), "mean": mu.tolist(), "logVariance": lv.tolist(),
            "value": value, "gradReconstruction": gr, "gradMean": gmu, "gradLogVariance": glv}


def gradient_penalty(gen):
    inputs, hidden = 3, 4
    points = torch.randn(6, inputs, generator=gen)
    w1, b1 = torch.randn(inputs, hidden, generator=gen) * 0.5, torch.randn(hidden, generator=gen) * 0.5
    w2 = torch.randn(hidden, 1, generator=gen) * 2.5
    out = {"points": points.tolist(), "w1": w1.tolist(), "b1": values(b1), "w2": w2.tolist()}
    for name, one_sided in (("twoSided", False), ("oneSided", True)):
        def gp(w1, b1, w2):
            x = points.clone().requires_grad_(True)
            score = (torch.tanh(x @ w1 + b1) @ w2).sum()
            (g,) = torch.autograd.grad(score, x, create_graph=True)
            squared = (g ** 2).sum(1) + 1e-12
            return (torch.relu(squared - 1) if one_sided else (squared.sqrt() - 1) ** 2).mean()

        value, (g1, gb, g2) = grads(gp, w1, b1, w2)
        out[name] = {"value": value, "gradW1": g1, "gradB1": gb, "gradW2": g2}
    return out


def main():
    gen = torch.Generator().manual_seed(20240601)
    fixtures = {
        "source": "bench/criteria_fixtures.py (PyTorch %s, float64)" % torch.__version__,
        "gan": gan(gen), "nce": nce(gen), "mmd": mmd(gen), "sinkhorn": sinkhorn(gen),
        "energy": energy(gen), "elbo": elbo(gen), "gradientPenalty": gradient_penalty(gen),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print("wrote %s (%d bytes)" % (os.path.normpath(OUT), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
