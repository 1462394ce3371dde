#!/usr/bin/env python3
"""Numbers of docs/new-data.md from results files (JSON lines of radixnet experiment): per sparsity bin, the runs,
the median validation accuracy with a 95% bootstrap interval (10,000 resamples, seed 0), min and max, and the share
of runs more than 0.05 below the least sparse bin's median with a 95% Wilson interval.

    python3 docs/new-data/stats.py docs/new-data/fig4-fashion.jsonl [more files]
"""
import json
import math
import sys

import numpy as np


def wilson(k, n, z=1.96):
    if n == 0:
        return (float('nan'), float('nan'))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def median_ci(values, rng, reps=10000):
    v = np.asarray(values)
    if len(v) < 2:
        return (float('nan'), float('nan'))
    meds = np.median(rng.choice(v, size=(reps, len(v)), replace=True), axis=1)
    return tuple(np.percentile(meds, [2.5, 97.5]))


for path in sys.argv[1:]:
    records = [json.loads(line) for line in open(path) if line.strip()]
    records = [r for r in records if r.get('final') and r['experiment'] == 'accuracy-vs-sparsity']
    p = records[0]['params']
    print(f"{path}: {len(records)} runs, layers {p['layers']}, dataset {p.get('dataset', 'mnist')}, seed {p['seed']}, "
          f"sample {p.get('sample', 'all')} (sample seed {p.get('sampleSeed', '-')})")
    bins = {}
    for r in records:
        b = min(9, int(r['topology']['sparsity'] * 10))
        bins.setdefault(b, []).append(r['final']['valAccuracy'])
    first = min(bins)
    ref = float(np.median(bins[first]))
    rng = np.random.default_rng(0)
    print(f"reference: median of bin {first * 10}-{first * 10 + 10}% = {ref:.4f}; 'fallen' = below {ref - 0.05:.4f}")
    print('| sparsity | runs | median val. acc. [95% CI] | min | max | fallen [95% CI] |')
    print('|---|---|---|---|---|---|')
    for b in sorted(bins):
        v = bins[b]
        lo, hi = median_ci(v, rng)
        k = sum(1 for a in v if a < ref - 0.05)
        wl, wh = wilson(k, len(v))
        ci = f'[{lo:.4f}, {hi:.4f}]' if not math.isnan(lo) else '-'
        print(f'| {b * 10}-{b * 10 + 10}% | {len(v)} | {np.median(v):.4f} {ci} | {min(v):.4f} | {max(v):.4f} | '
              f'{k}/{len(v)} [{wl:.2f}, {wh:.2f}] |')
    print()
