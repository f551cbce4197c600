#!/usr/bin/env python3
"""numpy versions of the `arbiter bench numerics` workloads, for comparison.

Same shapes and distributions as NumericsBenchmark.swift: uniform rewards in [0, 1) with 1%
missing (NaN), lengths uniform in 1..4096, 3 uniform reward components, embeddings uniform in
[-1, 1). Groups are equal-sized, so numpy gets the easy (reshaped, rectangular) layout; the
Swift side handles ragged group offsets. Only the computation is timed: one warm-up, then
the median of --repeat runs. Prints a table, or one JSON object per workload with --json.
"""
import argparse
import json
import statistics
import time

import numpy as np


def grpo(R, eps=1e-6):
    valid = ~np.isnan(R)
    cnt = valid.sum(axis=1)
    mean = np.where(valid, R, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    d = np.where(valid, R - mean[:, None], 0.0)
    std = np.sqrt((d * d).sum(axis=1) / np.maximum(cnt - 1, 1))
    adv = d / (std + eps)[:, None]
    adv[cnt < 2] = 0.0
    return adv


def reinforce_pp_baseline(R, L, eps=1e-8):
    valid = ~np.isnan(R)
    cnt = valid.sum(axis=1)
    mean = np.where(valid, R, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    incl = valid & (cnt >= 2)[:, None]
    x = np.where(incl, R - mean[:, None], 0.0)
    w = np.where(incl, L, 0.0)
    sw = w.sum()
    mu = (w * x).sum() / sw
    var = (w * (x - mu) ** 2).sum() / sw
    return np.where(incl, (x - mu) / np.sqrt(var + eps), 0.0)


def gdpo(R, C, weights, eps=1e-6):
    valid = ~np.isnan(R)
    cnt = valid.sum(axis=1)
    m = valid[:, :, None]
    mean = np.where(m, C, 0.0).sum(axis=1) / np.maximum(cnt, 1)[:, None]
    d = np.where(m, C - mean[:, None, :], 0.0)
    std = np.sqrt((d * d).sum(axis=1) / np.maximum(cnt - 1, 1)[:, None])
    s = (d / (std + eps)[:, None, :]) @ weights
    s[cnt < 2] = 0.0
    sv = s[valid]
    mu = sv.mean()
    sd = sv.std(ddof=1)
    out = (s - mu) / (sd + eps) if sd > 0 else s - mu
    return np.where(valid, out, 0.0)


def diversity(E):
    b, n, _ = E.shape
    U = E / np.linalg.norm(E, axis=2, keepdims=True)
    K = U @ U.transpose(0, 2, 1)
    mean_cos = (K.sum(axis=(1, 2)) - np.trace(K, axis1=1, axis2=2)) / (n * (n - 1))
    lam = np.linalg.eigvalsh(K / n)
    keep = lam > 1e-12
    h = -np.where(keep, lam * np.log(np.where(keep, lam, 1.0)), 0.0).sum(axis=1)
    return mean_cos, np.exp(h)


def timed(fn, repeats):
    fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), min(runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--group-size", type=int, action="append", dest="group_sizes")
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--diversity-groups", type=int, default=512)
    ap.add_argument("--diversity-group-size", type=int, default=16)
    ap.add_argument("--dimension", type=int, default=384)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(42)
    results = []

    def record(name, group, items, fn):
        med, best = timed(fn, a.repeat)
        r = {"workload": name, "group_size": group, "items": items, "median_s": med, "min_s": best}
        results.append(r)
        if a.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{name:32s} {group:6d} {items:10d} {med*1e3:12.3f} {best*1e3:12.3f} {items/med/1e6:10.2f}", flush=True)

    if not a.json:
        print("workload                          group      items    median ms       min ms   Mitems/s")
    weights = np.array([1.0, 0.5, 0.25])
    for n in a.group_sizes or [8, 16]:
        g = a.samples // n
        R = rng.random((g, n))
        R[rng.random((g, n)) < 0.01] = np.nan
        L = rng.integers(1, 4097, size=(g, n)).astype(np.float64)
        C = rng.random((g, n, 3))
        record("grpo", n, g * n, lambda: grpo(R))
        record("reinforce_pp_baseline", n, g * n, lambda: reinforce_pp_baseline(R, L))
        record("gdpo", n, g * n, lambda: gdpo(R, C, weights))
    if a.diversity_groups > 0:
        E = rng.random((a.diversity_groups, a.diversity_group_size, a.dimension)) * 2 - 1
        record("diversity", a.diversity_group_size, a.diversity_groups, lambda: diversity(E))


if __name__ == "__main__":
    main()
