// Merging the shards of one Graph Challenge run (`radixnet challenge --shard i/n --out FILE`, one record per shard)
// into one record: the categories joined, the edges summed, and one rate. Shards run side by side, so the run's time
// is the slowest shard's (edges / max seconds); the sum of the shards' own rates is reported beside it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { ChallengeRecord } from './challenge.js';

export interface ChallengeMerge {
  record: ChallengeRecord & {
    shards: {
      index: number;
      seconds: number;
      edgesPerSecond: number;
      samples: number;
      categories: number;
      host: string;
    }[];
    sumOfShardRates: number;
  };
  /** Shard indices of 0..count-1 that no file holds. */
  missing: number[];
  /** Shards found more than once (with equal categories; the first copy is kept). */
  duplicates: number[];
}

/** Whether `file` is a challenge results file (its first line is a graph-challenge record). */
export function isChallengeFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const first = readFileSync(file, 'utf8').split('\n', 1)[0];
  try {
    return (JSON.parse(first) as { kind?: string }).kind === 'graph-challenge';
  } catch {
    return false;
  }
}

function readRecords(file: string): ChallengeRecord[] {
  if (!existsSync(file)) throw new InputError(`${file} does not exist; give the shard files to merge`);
  const out: ChallengeRecord[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let r: ChallengeRecord;
      try {
        r = JSON.parse(line) as ChallengeRecord;
      } catch {
        throw new InputError(`${file}:${i + 1}: not a JSON record; challenge shard files hold one JSON line per shard`);
      }
      if (r.kind !== 'graph-challenge' || !Array.isArray(r.categories) || !(r.seconds > 0)) {
        throw new InputError(
          `${file}:${i + 1}: not a graph-challenge record (kind, categories, seconds); merge challenge shards only with each other`,
        );
      }
      out.push(r);
    });
  return out;
}

/** The fields every shard of one run shares. */
function runKey(r: ChallengeRecord): string {
  return JSON.stringify([
    r.neurons,
    r.layers,
    r.bias,
    r.weights,
    r.inputs,
    r.seed,
    r.slice.total,
    r.shard?.count ?? 1,
    r.nnz,
  ]);
}

/** Joins the shard records of `inputs` into one record written to `out` (a temp file renamed into place). */
export function mergeChallenge(out: string, inputs: string[]): ChallengeMerge {
  if (inputs.length === 0) throw new InputError('merge needs at least one shard file: radixnet merge OUT FILE...');
  if (existsSync(out) && !inputs.includes(out))
    throw new InputError(`${out} exists and is not one of the inputs; merge into a new file`);
  const byShard = new Map<number, ChallengeRecord>();
  const duplicates: number[] = [];
  let first: { r: ChallengeRecord; file: string } | null = null;
  for (const file of inputs) {
    for (const r of readRecords(file)) {
      first ??= { r, file };
      if (runKey(r) !== runKey(first.r)) {
        throw new InputError(
          `${file} holds a shard of another run (${r.neurons} x ${r.layers}, ${r.shard?.count ?? 1} shards, ${r.weights}) than ${first.file} ` +
            `(${first.r.neurons} x ${first.r.layers}, ${first.r.shard?.count ?? 1} shards, ${first.r.weights}); merge shards of one run`,
        );
      }
      const index = r.shard?.index ?? 0;
      const seen = byShard.get(index);
      if (!seen) byShard.set(index, r);
      else if (JSON.stringify(seen.categories) !== JSON.stringify(r.categories)) {
        throw new InputError(
          `shard ${index} appears twice with different categories (${file}); keep one copy and merge again`,
        );
      } else duplicates.push(index);
    }
  }
  if (!first) throw new InputError(`no records in ${inputs.join(', ')}; nothing to merge`);
  const count = first.r.shard?.count ?? 1;
  const shards = [...byShard.keys()].sort((a, b) => a - b).map((i) => byShard.get(i)!);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byShard.has(i));
  const seconds = Math.max(...shards.map((s) => s.seconds));
  const edges = shards.reduce((a, s) => a + s.edges, 0);
  const madds = shards.reduce((a, s) => a + s.madds, 0);
  const L = first.r.layers;
  const truths = shards.map((s) => s.truth);
  const record: ChallengeMerge['record'] = {
    ...first.r,
    slice: {
      total: first.r.slice.total,
      from: Math.min(...shards.map((s) => s.slice.from)),
      to: Math.max(...shards.map((s) => s.slice.to)),
    },
    shard: null,
    samples: shards.reduce((a, s) => a + s.samples, 0),
    edges,
    seconds,
    edgesPerSecond: edges / seconds,
    layerSeconds: Array.from({ length: L }, (_, l) => shards.reduce((a, s) => a + s.layerSeconds[l], 0)),
    layerLoadSeconds: shards.reduce((a, s) => a + s.layerLoadSeconds, 0),
    madds,
    maddsPerEdge: madds / edges,
    liveAfter: Array.from({ length: L }, (_, l) => shards.reduce((a, s) => a + s.liveAfter[l], 0)),
    categories: shards.flatMap((s) => s.categories).sort((a, b) => a - b),
    truth: truths.every((t) => t !== null)
      ? {
          file: truths[0]!.file,
          equal: missing.length === 0 && truths.every((t) => t!.equal),
          missing: truths.reduce((a, t) => a + t!.missing, 0),
          extra: truths.reduce((a, t) => a + t!.extra, 0),
        }
      : null,
    memory: {
      kernelBytes: Math.max(...shards.map((s) => s.memory.kernelBytes)),
      rssBytes: Math.max(...shards.map((s) => s.memory.rssBytes)),
    },
    cpuSeconds: shards.reduce((a, s) => a + s.cpuSeconds, 0),
    edgesPerCpuSecond: edges / shards.reduce((a, s) => a + s.cpuSeconds, 0),
    loadAverage: { before: first.r.loadAverage.before, after: shards[shards.length - 1].loadAverage.after },
    shards: shards.map((s) => ({
      index: s.shard?.index ?? 0,
      seconds: s.seconds,
      edgesPerSecond: s.edgesPerSecond,
      samples: s.samples,
      categories: s.categories.length,
      host: s.host,
    })),
    sumOfShardRates: shards.reduce((a, s) => a + s.edgesPerSecond, 0),
    date: new Date().toISOString(),
  };
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(record) + '\n');
  renameSync(tmp, out);
  return { record, missing, duplicates };
}
