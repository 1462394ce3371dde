import { expect } from 'chai';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../src/errors.js';
import type { RunRecord } from '../src/suite/experiment.js';
import { readResults, ResultsWriter } from '../src/suite/results-file.js';
import { planId } from '../src/suite/plan.js';
import { LIMITS } from '../src/topology/cost.js';

const PARAMS = { factors: [2], layers: [784, 300, 100, 10], bins: 10 };
const PLAN = planId('sparsity-distribution', PARAMS);
/** The plan id of sparsity-distribution with `bins` (other bins give other plans). */
export const planOfBins = (bins: number): string => planId('sparsity-distribution', { ...PARAMS, bins });
/** A record of sparsity-distribution (factors 2, bins `bins`) whose plan id is its params' own. */
export function fakeRecord(index: number, bins = 10, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    v: 1,
    experiment: 'sparsity-distribution',
    planId: planOfBins(bins),
    params: { ...PARAMS, bins },
    index,
    key: `k${index}`,
    tags: { bin: 0 },
    config: null,
    topology: { radices: '2', sparsity: 0.5, kroneckerSparsity: 0.5, weights: 1, denseWeights: 2 },
    history: [],
    final: null,
    wallSeconds: 0.1,
    threads: 1,
    host: 'h',
    ...extra,
  };
}

describe('results files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-results-'));
  let n = 0;
  const file = (): string => join(dir, `r${n++}.jsonl`);
  const quiet = { warn: () => undefined };

  it('appends whole lines and reads them back; a missing file reads as empty', () => {
    const f = file();
    expect(readResults(f).records).to.deep.equal([]);
    const w = ResultsWriter.open(f);
    w.append(fakeRecord(0));
    w.append(fakeRecord(1));
    w.close();
    expect(readFileSync(f, 'utf8')).to.equal(`${JSON.stringify(fakeRecord(0))}\n${JSON.stringify(fakeRecord(1))}\n`);
    expect(readResults(f, { planId: PLAN }).records).to.deep.equal([fakeRecord(0), fakeRecord(1)]);
  });

  it('drops a torn last line with a warning, and cuts it off the file only when repairing', () => {
    for (const torn of ['{"v":1,"experiment":"spar', '{"v":1,"experiment":"spar\n']) {
      const f = file();
      const good = JSON.stringify(fakeRecord(0)) + '\n';
      writeFileSync(f, good + torn);
      const warnings: string[] = [];
      const r = readResults(f, { warn: (m) => warnings.push(m) });
      expect(r.records).to.deep.equal([fakeRecord(0)]);
      expect(r.tornLine).to.equal(true);
      expect(warnings.join()).to.match(/dropped a torn last line/);
      expect(readFileSync(f, 'utf8')).to.equal(good + torn);
      readResults(f, { repair: true, ...quiet });
      expect(readFileSync(f, 'utf8')).to.equal(good);
    }
  });

  it('reads a gzip-compressed file (*.gz) as the plain one, torn last line dropped, and never appends to one', () => {
    const plain = `${JSON.stringify(fakeRecord(0))}\n${JSON.stringify(fakeRecord(1))}\n{"v":1,"exper`;
    const f = join(dir, 'packed.jsonl.gz');
    writeFileSync(f, gzipSync(plain));
    const warnings: string[] = [];
    const r = readResults(f, { planId: PLAN, warn: (m) => warnings.push(m) });
    expect(r.records).to.deep.equal([fakeRecord(0), fakeRecord(1)]);
    expect(r.lines).to.deep.equal([1, 2]);
    expect(warnings.join()).to.match(/packed\.jsonl\.gz: dropped a torn last line/);
    const before = readFileSync(f);
    for (const act of [() => ResultsWriter.open(f), () => readResults(f, { repair: true, ...quiet })]) {
      expect(act).to.throw(
        InputError,
        /names a gzip file; records are appended to plain JSON lines: give a name without \.gz/,
      );
    }
    expect(readFileSync(f)).to.deep.equal(before);
  });

  it('refuses a .gz that is not gzip, and one that decompresses past the results limit', () => {
    const f = join(dir, 'fake.jsonl.gz');
    writeFileSync(f, JSON.stringify(fakeRecord(0)) + '\n');
    expect(() => readResults(f)).to.throw(InputError, /fake\.jsonl\.gz is named \.gz but is not a whole gzip file/);
    const bomb = join(dir, 'bomb.jsonl.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(5000, 0x20))); // 5000 bytes in, about 30 packed
    const saved = LIMITS.resultsBytes;
    try {
      LIMITS.resultsBytes = 1000;
      expect(() => readResults(bomb)).to.throw(InputError, /bomb\.jsonl\.gz decompresses to over the 1000 bytes limit/);
    } finally {
      LIMITS.resultsBytes = saved;
    }
  });

  it('refuses a corrupt line in the middle, naming file and line, and leaves the file alone', () => {
    const f = file();
    const text = `${JSON.stringify(fakeRecord(0))}\n{"v":1,"exp\n${JSON.stringify(fakeRecord(2))}\n`;
    writeFileSync(f, text);
    expect(() => readResults(f, { repair: true })).to.throw(InputError, new RegExp(`${f}:2: line is not JSON`));
    expect(readFileSync(f, 'utf8')).to.equal(text);
  });

  it('refuses records of another plan and lines that are not records', () => {
    const f = file();
    writeFileSync(f, `${JSON.stringify(fakeRecord(0))}\n`);
    expect(() => readResults(f, { planId: planOfBins(20) })).to.throw(
      InputError,
      new RegExp(
        `holds runs of plan ${PLAN.slice(0, 12)} \\(sparsity-distribution\\), not plan ${planOfBins(20).slice(0, 12)}; use another --out`,
      ),
    );
    appendFileSync(f, `${JSON.stringify(fakeRecord(1, 30))}\n`);
    expect(() => readResults(f)).to.throw(
      InputError,
      new RegExp(`:2: this results file holds runs of plan ${planOfBins(30).slice(0, 12)}`),
    );
    const g = file();
    const { host: _h, ...noHost } = fakeRecord(0);
    writeFileSync(g, `${JSON.stringify(noHost)}\n${JSON.stringify(fakeRecord(1))}\n`);
    expect(() => readResults(g)).to.throw(InputError, /:1: not a results record: field 'host' is missing/);
    writeFileSync(g, `[1,2]\n${JSON.stringify(fakeRecord(1))}\n`);
    expect(() => readResults(g)).to.throw(InputError, /:1: not a results record/);
  });

  it('an output place that cannot be written is an InputError', function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    const ro = mkdtempSync(join(tmpdir(), 'radixnet-ro-'));
    chmodSync(ro, 0o500);
    expect(() => ResultsWriter.open(join(ro, 'x', 'r.jsonl'))).to.throw(
      InputError,
      /cannot write results to .* choose a writable --out/,
    );
  });

  it('an output under a regular file is an InputError', () => {
    const f = file();
    writeFileSync(f, '');
    expect(() => ResultsWriter.open(join(f, 'r.jsonl'))).to.throw(
      InputError,
      /cannot write results to .*ENOTDIR|EEXIST/,
    );
  });
});
