#!/usr/bin/env python3
"""The project's own vectorised-NumPy firm core, a speed yardstick for `clustersim bench`.

Usage: numpy_firm_core.py [CLUSTERS FIRMS QUARTERS] [--repeats R] [--seed S] [--json]
       (defaults 20 1000 28, 5 repeats)

This is not the model. It is the kind of firm core an evolutionary industrial-dynamics model is
usually written with in Python: every firm a slot in (cluster, firm) arrays, every quarter a few
dozen whole-array NumPy operations, on one core (OpenMP and BLAS threads are pinned to 1 before
NumPy loads; elementwise NumPy is single-threaded anyway). tests/bench/bench_peers.py sets
clustersim's firm-steps per second beside its rate. It was written for this project, after:

- Nelson, R. R. & Winter, S. G. (1982). An Evolutionary Theory of Economic Change. Cambridge,
  MA: Belknap Press of Harvard University Press. (Search by R&D, imitation of the best practice,
  capital as the firm's size, the investment rule from the desired price-cost margin.)
- Dosi, G., Fagiolo, G. & Roventini, A. (2010). "Schumpeter meeting Keynes: A policy-friendly
  model of endogenous growth and business cycles". Journal of Economic Dynamics and Control
  34(9), 1748-1767. (R&D as a share of sales; two Bernoulli draws, innovation and imitation,
  with success probability 1 - exp(-zeta * xi * R&D), xi = 0.5; innovation steps from a
  Beta(3,3) on [-0.15, 0.15]; exits replaced by entrants drawn around the incumbents.)

Per quarter, for C clusters of N firms:
  demand D grows 1%;
  R&D = nu * sales * (rho / rho0)^(-eps), rho = 1 - tau (1 + theta) the tax user cost of R&D
    with a super-deduction theta, rho0 = 1 - tau without it (nu 0.03, eps 1.1, tau 0.25,
    theta 0.5), from last quarter's sales;
  search intensity h = R&D / k; p = 1 - exp(-zeta * 0.5 * h) (zeta 0.3);
  innovation with probability p: step -0.15 + 0.3 Beta(3,3), kept only if positive;
  imitation with probability p (a second draw): half the gap to the cluster's best log
    productivity at the start of the quarter; the firm keeps the better of the two;
  output q = exp(a) k; price P = D / Q per cluster; sales = P q;
  profit = sales - c k - R&D (c = 0.16); tax = tau max(profit - theta R&D, 0);
  net worth += profit - tax; market share s = q / Q;
  if profit > 0, I/k = clip(1 + delta - (2 - s) / ((P exp(a) / c) (2 - 2 s)), 0, 0.3)
    (delta 0.03), else 0; k = (1 - delta) k + I;
  exit when net worth < 0 or after 5 loss quarters in a row; each exit is replaced at once by
    an entrant with log productivity the cluster's surviving mean + N(0, 0.2), capital
    0.3 exp(N(0, 1)), net worth = k.
Start: k lognormal(0, 1), a N(0, 0.1), net worth = k. Assumption of this file (the sources leave
it to the modeller): starting demand is 1.2 c K per cluster, so that sales first cover the cost
of capital by 20%; an entrant's first "last sales" are what it would have sold at this price.

A firm-step is a living firm advanced one quarter: every slot is alive (exits are replaced at
once), so a run is C N T firm-steps. The timed part is the whole simulation, starting state
included, as `clustersim bench` times a replicate; the figure is the best of the repeats, all
with the same seed, so that the machine's load is damped.
"""
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

NU, EPS, TAU, THETA = 0.03, 1.1, 0.25, 0.5
RHO = 1.0 - TAU * (1.0 + THETA)
RHO0 = 1.0 - TAU
RD_SHARE = NU * (RHO / RHO0) ** (-EPS)
ZETA, XI = 0.3, 0.5
STEP_LOW, STEP_WIDTH = -0.15, 0.3
UNIT_COST, DELTA, MAX_INVESTMENT = 0.16, 0.03, 0.3
DEMAND_GROWTH, START_MARGIN = 1.01, 1.2
LOSS_QUARTERS = 5
ENTRANT_SPREAD, ENTRANT_CAPITAL = 0.2, 0.3


def simulate(clusters, firms, quarters, seed):
    """One run; returns (firm_steps, exits, mean log productivity at the end)."""
    rng = np.random.default_rng(seed)
    shape = (clusters, firms)
    k = rng.lognormal(0.0, 1.0, shape)
    a = rng.normal(0.0, 0.1, shape)
    worth = k.copy()
    losses = np.zeros(shape, dtype=np.int8)
    q = np.exp(a) * k
    demand = START_MARGIN * UNIT_COST * k.sum(axis=1)
    price = demand / q.sum(axis=1)
    sales = price[:, None] * q
    firm_steps = 0
    exits = 0
    for _ in range(quarters):
        demand *= DEMAND_GROWTH
        rd = RD_SHARE * sales
        p = -np.expm1((-ZETA * XI) * rd / k)

        # Search: innovation and imitation, the better of the two kept.
        gap = a.max(axis=1, keepdims=True) - a
        innovate = rng.random(shape) < p
        found = np.zeros(shape)
        n = np.count_nonzero(innovate)
        if n:
            found[innovate] = np.maximum(STEP_LOW + STEP_WIDTH * rng.beta(3.0, 3.0, n), 0.0)
        copied = (rng.random(shape) < p) * (0.5 * gap)
        a += np.maximum(found, copied)

        # Production, the cluster's market, accounts.
        ea = np.exp(a)
        q = ea * k
        total = q.sum(axis=1)
        price = demand / total
        sales = price[:, None] * q
        profit = sales - UNIT_COST * k - rd
        tax = TAU * np.maximum(profit - THETA * rd, 0.0)
        worth += profit - tax
        share = np.minimum(q / total[:, None], 0.999)

        # Nelson-Winter investment, only out of profit.
        margin = price[:, None] * ea / UNIT_COST
        rate = np.clip(1.0 + DELTA - (2.0 - share) / (margin * (2.0 - 2.0 * share)),
                       0.0, MAX_INVESTMENT)
        rate[profit <= 0.0] = 0.0
        k *= (1.0 - DELTA) + rate
        losses = np.where(profit < 0.0, losses + 1, 0).astype(np.int8)
        firm_steps += a.size

        # Exit and replacement.
        out = (worth < 0.0) | (losses >= LOSS_QUARTERS)
        m = np.count_nonzero(out)
        if m:
            exits += m
            alive = ~out
            count = alive.sum(axis=1)
            mean = np.where(count > 0, (a * alive).sum(axis=1) / np.maximum(count, 1),
                            a.mean(axis=1))
            rows = np.nonzero(out)[0]
            a[out] = mean[rows] + rng.normal(0.0, ENTRANT_SPREAD, m)
            k[out] = ENTRANT_CAPITAL * np.exp(rng.normal(0.0, 1.0, m))
            worth[out] = k[out]
            losses[out] = 0
            sales[out] = price[rows] * np.exp(a[out]) * k[out]
    if not np.all(np.isfinite(a)) or not np.all(np.isfinite(k)):
        raise FloatingPointError("the NumPy firm core produced a non-finite state")
    return firm_steps, exits, float(a.mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clusters", nargs="?", type=int, default=20)
    parser.add_argument("firms", nargs="?", type=int, default=1000)
    parser.add_argument("quarters", nargs="?", type=int, default=28)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=20150123)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if min(args.clusters, args.quarters, args.repeats) < 1 or args.firms < 2:
        parser.error("clusters, quarters and repeats must be >= 1, firms >= 2")

    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        firm_steps, exits, mean_a = simulate(args.clusters, args.firms, args.quarters, args.seed)
        times.append(time.perf_counter() - start)
    best = min(times)
    report = {
        "clusters": args.clusters, "firms": args.firms, "quarters": args.quarters,
        "repeats": args.repeats, "threads": 1, "numpy": np.__version__,
        "firm_steps": firm_steps, "seconds": best, "seconds_each": times,
        "firm_steps_per_s": firm_steps / best, "exits": exits,
        "mean_log_productivity": mean_a,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"numpy_firm_core: {args.clusters} clusters x {args.firms} firms x "
              f"{args.quarters} quarters, 1 thread, NumPy {np.__version__}")
        print(f"best of {args.repeats}: {best:.4f} s, {firm_steps / best:.4g} firm-steps per "
              f"second ({firm_steps} firm-steps, {exits} exits, mean log productivity "
              f"{mean_a:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
