// Merging shards of a staged experiment: the later stage is reported apart from missing shard runs.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Experiment, RunRecord } from '../src/suite/experiment.js';
import { experiments } from '../src/suite/experiments/index.js';
import { mergeResults } from '../src/suite/merge.js';
import { planId } from '../src/suite/plan.js';

// stage 1: runs a, b, c; stage 2 (once all of stage 1 is done): a retry of each run whose value is odd
const staged: Experiment = {
  name: 'test-staged',
  description: 'two stages',
  defaults: {},
  quick: {},
  params: {},
  needsData: false,
  plan: (_p, done) => {
    const first = ['a', 'b', 'c'].map((key) => ({ key, tags: { stage: 1 } }));
    const byKey = new Map(done.map((r) => [r.key, r]));
    if (!first.every((r) => byKey.has(r.key))) return first;
    return [
      ...first,
      ...first
        .filter((r) => (byKey.get(r.key)!.data!.value as number) % 2)
        .map((r) => ({ key: `${r.key}2`, tags: { stage: 2 } })),
    ];
  },
  execute: async () => {
    throw new Error('not run here');
  },
  summarize: () => ({ text: [], data: {} }),
};

describe('merge of a staged experiment', () => {
  before(() => {
    experiments[staged.name] = staged;
  });
  after(() => {
    delete experiments[staged.name];
  });

  it('reports first-stage runs no shard holds as missing and the later stage as runs to do on the merged file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-merge-'));
    const id = planId(staged.name, {});
    const record = (index: number, key: string, value: number): RunRecord => ({
      v: 1,
      experiment: staged.name,
      planId: id,
      params: {},
      index,
      key,
      tags: { stage: 1 },
      config: null,
      topology: { radices: '2', sparsity: 0, kroneckerSparsity: 0, weights: 1, denseWeights: 1 },
      history: [],
      final: null,
      data: { value },
      wallSeconds: 1,
      threads: 1,
      host: 'h',
    });
    const shard0 = join(dir, 's0.jsonl');
    const shard1 = join(dir, 's1.jsonl');
    writeFileSync(shard0, `${JSON.stringify(record(0, 'a', 1))}\n${JSON.stringify(record(2, 'c', 3))}\n`);
    writeFileSync(shard1, `${JSON.stringify(record(1, 'b', 2))}\n`);
    const partial = mergeResults(join(dir, 'partial.jsonl'), [shard0]);
    expect(partial.missing).to.deep.equal([{ index: 1, key: 'b' }]);
    expect(partial.laterStages).to.deep.equal([]);
    const all = mergeResults(join(dir, 'merged.jsonl'), [shard1, shard0]);
    expect(all.missing).to.deep.equal([]);
    expect(all.laterStages).to.deep.equal([
      { index: 3, key: 'a2' },
      { index: 4, key: 'c2' },
    ]);
    // plan order, whatever the order of the inputs
    expect(
      readFileSync(join(dir, 'merged.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).key),
    ).to.deep.equal(['a', 'b', 'c']);
  });
});
