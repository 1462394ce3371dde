// The timings table of `radixnet reproduce`: multiply-add counts of a record checked by hand, the per-experiment
// floor over the runs ran now only, and Fig. 4's per-bin medians.
import { expect } from 'chai';
import type { RunRecord } from '../src/records/run-record.js';
import { recordFlops, reproduceTimings, timingsMarkdown } from '../src/suite/timings.js';

function record(key: string, bin: number, wallSeconds: number, epochSeconds: number[]): RunRecord {
  return {
    v: 1,
    experiment: 'accuracy-vs-sparsity',
    planId: 'p',
    params: { bins: 10 },
    index: 0,
    key,
    tags: { bin },
    // layers 4-3-2, the first half sparse: 6 and 6 nonzeros
    config: { layers: [4, 3, 2], validationSplit: 0.2, testSamples: 10 } as RunRecord['config'],
    topology: {
      radices: 'x',
      sparsity: 0.25,
      kroneckerSparsity: null,
      weights: 12,
      denseWeights: 18,
      layerSparsity: [0.5, 0],
    },
    // 100 samples a second: 50 samples trained in 0.5 s
    history: epochSeconds.map((seconds, e) => ({
      epoch: e + 1,
      loss: 1,
      accuracy: 0.5,
      seconds,
      samplesPerSecond: 50 / seconds,
    })),
    final: null,
    wallSeconds,
    threads: 1,
    host: 'h',
  };
}

describe('reproduce timings', () => {
  it('counts a record’s multiply-adds: forward and weight gradient of every layer, input gradient past the first, evaluations forward only', () => {
    const f = recordFlops(record('a', 9, 2, [0.5, 0.5]));
    // per training sample 6*2 + 6*3 = 30 multiply-adds, 100 samples; per evaluated sample 12, 10 test + 2 x 12.5
    // validation samples (50 trained at a 0.2 split); 2 flops each
    expect(f.training).to.equal(2 * 100 * 30);
    expect(f.evaluation).to.equal(2 * (10 + 25) * 12);
    expect(recordFlops({ ...record('b', 0, 1, [1]), config: null })).to.deep.equal({ training: 0, evaluation: 0 });
  });

  it('floors each experiment over the runs ran now, at the peak times the cores, and gives Fig. 4 per-bin medians', () => {
    const records = [record('a', 9, 2, [0.5, 0.5]), record('b', 9, 4, [1, 1]), record('c', 0, 3, [0.25, 0.25])];
    // 1000 flops a second per core, 2 cores; 'c' was run by an earlier invocation
    const t = reproduceTimings(
      [
        {
          experiment: 'accuracy-vs-sparsity',
          figure: 'Fig. 4',
          records,
          ranKeys: new Set(['a', 'b']),
          skipped: 1,
          wallSeconds: 5,
        },
      ],
      1e-6,
      2,
    );
    const [e] = t.experiments;
    expect(e).to.include({ records: 3, ran: 2, skipped: 1, runSeconds: 6, flops: 2 * (6000 + 840) });
    expect(e.floorSeconds).to.be.closeTo((2 * 6840) / 2000, 1e-12);
    expect(t.fig4Bins.map((b) => b.bin)).to.deep.equal(['0-10%', '90-100%']);
    const top = t.fig4Bins[1];
    expect(top).to.include({ runs: 2, runSeconds: 6 });
    // epochs: 1 s and 2 s -> median 1.5; overhead 2 - 1 and 4 - 2 -> 1.5; floor 6000 flops at 1000/s each
    expect(top.epochSeconds).to.equal(1.5);
    expect(top.overheadSeconds).to.equal(1.5);
    expect(top.floorSeconds).to.be.closeTo(6, 1e-12);
    const md = timingsMarkdown(t, { reportSeconds: 1 }).join('\n');
    expect(md).to.match(
      /\| Fig\. 4 \| accuracy-vs-sparsity \|\s+3 \|\s+2 \|\s+1 \|\s+5\.0 \|\s+6\.0 \|\s+6\.8 \|\s+0\.73x \|/,
    );
    expect(md).to.match(/\| 90-100% \|\s+2 \|\s+6\.0 \|\s+1\.500 \|\s+1\.500 \|\s+6\.000 \|\s+0\.25x \|/);
    expect(md).to.match(/\| total\s+\|.*\|\s+6\.0 \|.*\|\s+6\.8 \|\s+0\.88x \|/);
  });

  it('leaves copies of a twin (written with wallSeconds 0, their history the twin’s) out of the floor and the per-bin medians', () => {
    const trained = record('a', 9, 2, [0.5, 0.5]);
    const copy = { ...record('a2', 9, 0, [0.5, 0.5]) };
    const t = reproduceTimings(
      [
        {
          experiment: 'accuracy-vs-sparsity',
          figure: 'Fig. 4',
          records: [trained, copy],
          ranKeys: new Set(['a', 'a2']),
          skipped: 0,
          wallSeconds: 2,
        },
      ],
      1e-6,
      2,
    );
    const [e] = t.experiments;
    // both were written now; only 'a' did arithmetic: 6000 training + 840 evaluation flops
    expect(e).to.include({ ran: 2, flops: 6840 });
    // with the copy, the bin's median overhead would be (1 + (0 - 1)) / 2 = 0 instead of 2 - 1 = 1
    expect(t.fig4Bins).to.have.length(1);
    expect(t.fig4Bins[0]).to.include({ runs: 1, runSeconds: 2, epochSeconds: 1, overheadSeconds: 1 });
  });
});
