#!/usr/bin/env python3
"""Numbers of docs/new-data.md from results files (JSON lines of radixnet experiment): per sparsity bin, the runs,
the median validation accuracy with a 95% bootstrap interval (10,000 resamples, seed 0), min and max, and the share
of runs more than 0.05 below the least sparse bin's median with a 95% Wilson interval. Then the topology rule of
docs/strange-models.md (strange when some output is fed by at most one last-hidden unit, computed by radixnet's own
predictStrange, so run it from the repository after `npm run build`) against the runs that trained badly (final
validation accuracy <= 0.75, the paper's threshold, and <= the same fraction of the least sparse bin's median), with
precision and recall and their 95% Wilson intervals, and the runs per output fan-in.

    python3 docs/new-data/stats.py [--bins N] docs/new-data/fig4-fashion.jsonl.gz [more files]
    python3 docs/new-data/stats.py docs/new-data/fig4-fashion.jsonl.gz --versus docs/new-data/fig4-deep-fashion.jsonl.gz
    python3 docs/new-data/stats.py --strange docs/new-data/strange-fashion-full.jsonl.gz

A file ending in .gz is read through gzip.
"""
import gzip
import json
import math
import os
import subprocess
import sys

import numpy as np


def read_records(path):
    """The records of a JSON-lines results file, gzipped or not."""
    with (gzip.open(path, 'rt') if path.endswith('.gz') else open(path)) as f:
        return [json.loads(line) for line in f if line.strip()]


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


def output_fan_ins(records):
    """Fewest last-hidden units feeding any output, per record, from radixnet's predictStrange."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    nets = [[r['topology']['radices'], r['config']['layers']] for r in records]
    code = ("import('radixnet/analysis').then(({predictStrange}) => {"
            "const nets = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
            "console.log(JSON.stringify(nets.map(([r, l]) => predictStrange(r, l).minOutputFanIn)));})")
    out = subprocess.run(['node', '-e', code], input=json.dumps(nets), capture_output=True, text=True, cwd=repo,
                         check=True)
    return json.loads(out.stdout)


def ci_text(k, n):
    lo, hi = wilson(k, n)
    return f'{k}/{n} = {k / n:.3f} [{lo:.2f}, {hi:.2f}]' if n else f'{k}/{n}'


def rule_table(records, ref):
    fan_ins = output_fan_ins(records)
    # the rule (fan-in <= 1), and the variant fan-in <= 2 that docs/strange-models.md tried and rejected on MNIST
    cases = [(cut, threshold, what) for cut in (1, 2)
             for threshold, what in [(0.75, "the paper's 0.75"),
                                     (0.75 / 0.9657 * ref, f"{ref:.4f} x 0.75 / 0.9657: 0.75 scaled by the dense level, "
                                                           "MNIST's 0-10% median 0.9657")]]
    for cut, threshold, what in cases:
        bad = [r['final']['valAccuracy'] <= threshold for r in records]
        pred = [f <= cut for f in fan_ins]
        tp = sum(1 for b, p in zip(bad, pred) if b and p)
        fp = sum(1 for b, p in zip(bad, pred) if not b and p)
        fn = sum(1 for b, p in zip(bad, pred) if b and not p)
        tn = len(records) - tp - fp - fn
        print(f'predicted strange: output fan-in <= {cut}; trained badly: val. acc. <= {threshold:.4f} ({what}):')
        print('|  | predicted strange | predicted normal |')
        print('|---|---|---|')
        print(f'| trained badly | {tp} | {fn} |')
        print(f'| trained normally | {fp} | {tn} |')
        print(f'precision {ci_text(tp, tp + fp)}, recall {ci_text(tp, tp + fn)}')
        print()
    scaled = 0.75 / 0.9657 * ref
    print(f'| output fan-in | runs | median val. acc. | trained badly (<= 0.75) [95% CI] | (<= {scaled:.4f}) [95% CI] |')
    print('|---|---|---|---|---|')
    groups = {}
    buckets = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 9), (10, 24), (25, 10**9)]
    for f, r in zip(fan_ins, records):
        groups.setdefault(next(b for b in buckets if b[0] <= f <= b[1]), []).append(r['final']['valAccuracy'])
    for b in sorted(groups):
        v = groups[b]
        k = sum(1 for a in v if a <= 0.75)
        lo, hi = wilson(k, len(v))
        k2 = sum(1 for a in v if a <= scaled)
        lo2, hi2 = wilson(k2, len(v))
        name = str(b[0]) if b[0] == b[1] else f'{b[0]}+' if b[1] == 10**9 else f'{b[0]}-{b[1]}'
        print(f'| {name} | {len(v)} | {np.median(v):.4f} | {k}/{len(v)} [{lo:.2f}, {hi:.2f}] | '
              f'{k2}/{len(v)} [{lo2:.2f}, {hi2:.2f}] |')
    print()
    # the strange-models experiment's bands (sorted accuracies split where neighbours differ by more than 0.03), on
    # the final training accuracies of the runs that trained badly
    bad = sorted(r['final']['trainAccuracy'] for r in records if r['final']['valAccuracy'] <= 0.75)
    bands = []
    for a in bad:
        if bands and a - bands[-1][-1] <= 0.03:
            bands[-1].append(a)
        else:
            bands.append([a])
    print(f'bands (gap 0.03) of the final training accuracies of the {len(bad)} runs that trained badly: ' +
          ', '.join(f'{b[0]:.3f}-{b[-1]:.3f} ({len(b)})' for b in bands))
    gaps = np.diff(bad)
    print(f'largest gaps between neighbours: ' + ', '.join(f'{g:.3f}' for g in sorted(gaps)[::-1][:5]))
    print()


def versus(lenet_path, deep_path):
    """LeNet-300-100 against another network's results per high-sparsity band: runs, median validation accuracy with
    its 95% bootstrap interval, min, the runs more than 0.05 below LeNet-300-100's 0-10% median (Wilson interval) and a
    one-sided Mann-Whitney U test (the other network higher) where both have runs; then the same test over all runs at
    >= 94% sparsity; then the same table by number of weights, with two-sided tests."""
    from scipy.stats import mannwhitneyu
    lenet, deep = read_records(lenet_path), read_records(deep_path)
    va = lambda rs, lo, hi: [r['final']['valAccuracy'] for r in rs if lo <= r['topology']['sparsity'] < hi]
    ref = float(np.median(va(lenet, 0.0, 0.1)))
    rng = np.random.default_rng(0)

    def cell(v):
        if not v:
            return '0 | - | -'
        lo, hi = median_ci(v, rng)
        ci = f' [{lo:.4f}, {hi:.4f}]' if not math.isnan(lo) else ''
        k = sum(1 for a in v if a < ref - 0.05)
        wl, wh = wilson(k, len(v))
        return f'{len(v)} | {np.median(v):.4f}{ci} ({min(v):.4f}) | {k}/{len(v)} [{wl:.2f}, {wh:.2f}]'

    name = '-'.join(map(str, deep[0]['config']['layers']))

    def table(by, bands, pick, label, alternative):
        """One row per band of `by`: both networks' cells and the Mann-Whitney test (`alternative`) where both have runs."""
        sided = 'one-sided' if alternative == 'greater' else 'two-sided'
        print(f'| {by} | LeNet-300-100: runs | median [95% CI] (min) | fallen [95% CI] | {name}: runs | median [95% CI] '
              f'(min) | fallen [95% CI] | Mann-Whitney U, {sided} p |')
        print('|---|---|---|---|---|---|---|---|')
        for lo, hi in bands:
            a, b = pick(lenet, lo, hi), pick(deep, lo, hi)
            test = '-'
            if a and b:
                u = mannwhitneyu(b, a, alternative=alternative)
                test = f'{u.statistic:g}, {u.pvalue:.2g}'
            print(f'| {label(lo, hi)} | {cell(a)} | {cell(b)} | {test} |')

    print(f"'fallen': below LeNet-300-100's 0-10% median {ref:.4f} - 0.05 = {ref - 0.05:.4f}")
    table('sparsity', [(0.88, 0.95), (0.95, 0.98), (0.98, 1.0)], va, lambda lo, hi: f'{lo * 100:g}-{hi * 100:g}%',
          'greater')
    a, b = va(lenet, 0.94, 1.01), va(deep, 0.94, 1.01)
    u = mannwhitneyu(b, a, alternative='greater')
    print(f'>= 94% sparsity: {len(b)} against {len(a)} runs, one-sided Mann-Whitney U = {u.statistic:g}, '
          f'p = {u.pvalue:.2g}')
    print()
    # the same networks by their number of weights instead of their sparsity: at equal weights, is the deeper, wider
    # network better or worse? (two-sided)
    vw = lambda rs, lo, hi: [r['final']['valAccuracy'] for r in rs if lo <= r['topology']['weights'] < hi]
    table('weights', [(15000, 30000), (30000, 60000), (60000, 140000), (140000, 400000)], vw,
          lambda lo, hi: f'{lo // 1000}k-{hi // 1000}k', 'two-sided')
    print()


def strange_models(path):
    """A strange-models results file: the rule against the screen (and against most of each model's screen runs when
    extra seeds ran) with Wilson intervals, screen strangeness per output fan-in, and the retrained models' bands
    (sorted final training accuracies split where neighbours differ by more than the experiment's band gap) with the
    classes each band's models lost (test recall < 0.05) and the rule's share of the band."""
    records = [r for r in read_records(path) if r.get('final')]
    p = records[0]['params']
    thr, gap = p['threshold'], p['bandGap']
    screen = {r['tags']['radices']: r for r in records if r['tags']['stage'] == 'screen'}
    names = sorted(screen)
    fan = dict(zip(names, output_fan_ins([screen[m] for m in names])))
    strange = {m: screen[m]['final']['trainAccuracy'] <= thr for m in names}
    seeds = {}
    for r in records:
        if r['tags']['stage'] in ('screen', 'seeds'):
            seeds.setdefault(r['tags']['radices'], []).append(r['final']['trainAccuracy'] <= thr)
    print(f"{path}: {len(screen)} models screened ({p.get('dataset', 'mnist')}, {p['epochs']} epochs, seed {p['seed']}), "
          f"{sum(len(v) - 1 for v in seeds.values())} extra-seed runs, "
          f"{sum(1 for r in records if r['tags']['stage'] == 'retrain')} retrained {p['retrainEpochs']} epochs")

    def confusion(observed, what):
        tp = sum(1 for m in names if observed[m] and fan[m] <= 1)
        fn = sum(1 for m in names if observed[m] and fan[m] > 1)
        fp = sum(1 for m in names if not observed[m] and fan[m] <= 1)
        tn = len(names) - tp - fn - fp
        print(f'the rule (output fan-in <= 1) against {what}:')
        print('|  | predicted strange | predicted normal |')
        print('|---|---|---|')
        print(f'| observed strange | {tp} | {fn} |')
        print(f'| observed normal | {fp} | {tn} |')
        print(f'precision {ci_text(tp, tp + fp)}, recall {ci_text(tp, tp + fn)}')
        print()

    confusion(strange, f"the screen (training accuracy <= {thr} after {p['epochs']} epochs, seed {p['seed']})")
    # the threshold scaled by the normal level: the median screen accuracy of the models with output fan-in >= 6 here,
    # against MNIST's 0.931 (docs/strange-models.md)
    level = float(np.median([screen[m]['final']['trainAccuracy'] for m in names if fan[m] >= 6]))
    scaled = thr * level / 0.931
    confusion({m: screen[m]['final']['trainAccuracy'] <= scaled for m in names},
              f'the screen at the threshold scaled by the normal level ({thr} x {level:.3f} / 0.931 = {scaled:.4f})')
    if any(len(v) > 1 for v in seeds.values()):
        confusion({m: sum(seeds[m]) * 2 > len(seeds[m]) for m in names},
                  'most of each model\'s screen runs (seed and extra seeds; one run for models without extra seeds)')
    print('| output fan-in | models | strange (screen) [95% CI] | training accuracy min / median / max | strange runs over all seeds |')
    print('|---|---|---|---|---|')
    for lo, hi in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10**9)]:
        ms = [m for m in names if lo <= fan[m] <= hi]
        if not ms:
            continue
        k = sum(1 for m in ms if strange[m])
        wl, wh = wilson(k, len(ms))
        acc = [screen[m]['final']['trainAccuracy'] for m in ms]
        runs = [x for m in ms if len(seeds[m]) > 1 for x in seeds[m]]
        over = f'{sum(runs)} of {len(runs)}' if runs else '-'
        name = str(lo) if lo == hi else f'>= {lo}'
        print(f'| {name} | {len(ms)} | {k} [{wl:.2f}, {wh:.2f}] | {min(acc):.3f} / {np.median(acc):.3f} / {max(acc):.3f} | {over} |')
    print()
    retrained = sorted((r['final']['trainAccuracy'], r['tags']['radices'], r) for r in records
                       if r['tags']['stage'] == 'retrain')
    bands = []
    for a, m, r in retrained:
        if bands and a - bands[-1][-1][0] <= gap:
            bands[-1].append((a, m, r))
        else:
            bands.append([(a, m, r)])
    print(f'retrained {p["retrainEpochs"]} epochs: {len(retrained)} models in {len(bands)} bands (gap {gap})')
    print('| band (final training accuracy) | models | predicted strange (fan-in 1) | classes lost (test recall < 0.05): models by count | screen accuracy min-max |')
    print('|---|---|---|---|---|')
    for b in bands:
        lost = {}
        for a, m, r in b:
            n = sum(1 for x in r['final'].get('testRecall', []) if x < 0.05)
            lost[n] = lost.get(n, 0) + 1
        sc = [screen[m]['final']['trainAccuracy'] for a, m, r in b]
        span = f'{b[0][0]:.3f}' if len(b) == 1 else f'{b[0][0]:.3f}-{b[-1][0]:.3f}'
        print(f'| {span} | {len(b)} | {sum(1 for a, m, r in b if fan[m] <= 1)} | '
              + ', '.join(f'{n}: {c}' for n, c in sorted(lost.items())) + f' | {min(sc):.3f}-{max(sc):.3f} |')
    print()
    # the same retrained models grouped by the number of classes they lost: do the levels separate by that count?
    by_lost = {}
    for a, m, r in retrained:
        if 'testRecall' in r['final']:
            by_lost.setdefault(sum(1 for x in r['final']['testRecall'] if x < 0.05), []).append(a)
    for label, pick in [('predicted strange (fan-in 1)', lambda m: fan[m] <= 1), ('missed by the rule', lambda m: fan[m] > 1)]:
        rs = [(a, r) for a, m, r in retrained if pick(m)]
        lost0 = sum(1 for a, r in rs if 'testRecall' in r['final'] and not any(x < 0.05 for x in r['final']['testRecall']))
        if rs:
            print(f'{label}: {len(rs)} retrained, final training accuracy {min(a for a, r in rs):.3f} to '
                  f'{max(a for a, r in rs):.3f}, {lost0} of them losing no class')
    print()
    print('| classes lost | models | final training accuracy min / median / max |')
    print('|---|---|---|')
    for n in sorted(by_lost):
        v = by_lost[n]
        print(f'| {n} | {len(v)} | {min(v):.3f} / {np.median(v):.3f} / {max(v):.3f} |')
    print()


# --bins N: N equal sparsity bins (default 10); the reference stays the least sparse 10% bin.
# --versus DEEP.jsonl: compare the (LeNet-300-100) file given with another network's results instead.
# --strange: the files are strange-models results.
NBINS = int(sys.argv[sys.argv.index('--bins') + 1]) if '--bins' in sys.argv else 10
files = [a for i, a in enumerate(sys.argv[1:], 1)
         if not a.startswith('--') and sys.argv[i - 1] not in ('--bins', '--versus')]
if '--strange' in sys.argv:
    for path in files:
        strange_models(path)
    sys.exit(0)
if '--versus' in sys.argv:
    versus(files[0], sys.argv[sys.argv.index('--versus') + 1])
    sys.exit(0)


# MNIST's full Fig. 4 (1517 lists, LeNet-300-100, the same protocol), kept beside this script: the other column of the
# per-bin comparison
MNIST_FIG4 = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fig4-mnist.jsonl.gz')


def pct(x):
    return f'{x:g}'


for path in files:
    records = [r for r in read_records(path) if r.get('final') and r['experiment'] == 'accuracy-vs-sparsity']
    p = records[0]['params']
    print(f"{path}: {len(records)} runs, layers {p['layers']}, dataset {p.get('dataset', 'mnist')}, seed {p['seed']}, "
          f"sample {p.get('sample', 'all')} (sample seed {p.get('sampleSeed', '-')})")
    tens = {}
    for r in records:
        tens.setdefault(min(9, int(r['topology']['sparsity'] * 10)), []).append(r['final']['valAccuracy'])
    first = min(tens)
    ref = float(np.median(tens[first]))
    bins = {}
    for r in records:
        bins.setdefault(min(NBINS - 1, int(r['topology']['sparsity'] * NBINS)), []).append(r['final']['valAccuracy'])
    w = 100 / NBINS
    rng = np.random.default_rng(0)
    print(f"reference: median of bin {first * 10}-{first * 10 + 10}% = {ref:.4f}; 'fallen' = below {ref - 0.05:.4f}")
    print('| sparsity | runs | median val. acc. [95% CI] | min | max | fallen [95% CI] |')
    print('|---|---|---|---|---|---|')
    cis = {}
    for b in sorted(bins):
        v = bins[b]
        lo, hi = cis[b] = median_ci(v, rng)
        k = sum(1 for a in v if a < ref - 0.05)
        wl, wh = wilson(k, len(v))
        ci = f'[{lo:.4f}, {hi:.4f}]' if not math.isnan(lo) else '-'
        print(f'| {pct(b * w)}-{pct(b * w + w)}% | {len(v)} | {np.median(v):.4f} {ci} | {min(v):.4f} | {max(v):.4f} | '
              f'{k}/{len(v)} [{wl:.2f}, {wh:.2f}] |')
    print()
    if p['layers'] == [784, 300, 100, 10] and NBINS == 10 and os.path.abspath(path) != MNIST_FIG4:
        mnist = {}
        for r in read_records(MNIST_FIG4):
            mnist.setdefault(min(9, int(r['topology']['sparsity'] * 10)), []).append(r['final']['valAccuracy'])
        mref = float(np.median(mnist[0]))
        # drawn in the same order with the same seed as `stats.py fig4-mnist.jsonl.gz` draws them: the same intervals
        mrng = np.random.default_rng(0)
        mcis = {b: median_ci(mnist[b], mrng) for b in sorted(mnist)}

        def cell(v, r0, ci):
            if not v:
                return '0'
            lo, hi = ci
            m = float(np.median(v))
            return f'{len(v)}, {m:.4f} [{lo:.4f}, {hi:.4f}] ({min(v):.4f}), {m / r0:.3f}'

        print('beside MNIST (median [95% bootstrap CI] (min), and the median / the 0-10% median of its own dataset):')
        print('| sparsity | this file: runs, median [95% CI] (min), / 0-10% | MNIST: runs, median [95% CI] (min), / 0-10% |')
        print('|---|---|---|')
        for b in sorted(set(bins) | set(mnist)):
            print(f'| {b * 10}-{b * 10 + 10}% | {cell(bins.get(b, []), ref, cis.get(b))} | '
                  f'{cell(mnist.get(b, []), mref, mcis.get(b))} |')
        print()
    if p['layers'] == [784, 300, 100, 10] or '--rule' in sys.argv:
        rule_table(records, ref)
