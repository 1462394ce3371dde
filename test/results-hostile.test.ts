// Results files handed in by a hostile or careless user: two writers on one file, concatenated shards, special files,
// oversized lines, hostile parameters, deep nesting, invalid UTF-8 with a torn last line.
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import type { RunRecord } from '../src/suite/experiment.js';
import { mergeResults } from '../src/suite/merge.js';
import { planId } from '../src/suite/plan.js';
import { readResults, ResultsWriter } from '../src/suite/results-file.js';
import { runPlan } from '../src/suite/runner.js';
import { summarizeFile } from '../src/suite/summarize.js';
import { LIMITS } from '../src/topology/cost.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const env = { ...process.env, RADIXNET_THREADS: '1' };
const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, env });
const quiet = { warn: () => undefined };

/** The quick sparsity-distribution plan (factors 1..4 on LeNet-300-100): topology-only, so it runs in a second. */
const QUICK = ['experiment', 'sparsity-distribution', '--quick'];

describe('results files against hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-hostile-'));
  let n = 0;
  const file = (): string => join(dir, `r${n++}.jsonl`);
  let lines: string[] = [];
  let planned = 0;

  before(async () => {
    const out = file();
    const r = await runPlan('sparsity-distribution', { quick: true, out, workers: 1 });
    planned = r.plan.runs.length;
    lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines.length).to.equal(planned);
  });

  describe('never counting a run twice', () => {
    it('refuses a second writer on one --out while the first holds it, naming the holder', () => {
      const f = file();
      const w = ResultsWriter.open(f);
      try {
        const r = cli(...QUICK, '--out', f);
        expect(r.status).to.equal(2);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.include(`${f} is being written by pid ${process.pid} on host`);
        expect(readFileSync(f, 'utf8')).to.equal('');
      } finally {
        w.close();
      }
      expect(existsSync(`${f}.lock`)).to.equal(false);
    });

    it('two concurrent experiment processes on one --out: summarize counts each run once', async () => {
      const f = file();
      const run = (): Promise<{ code: number | null; stderr: string }> =>
        new Promise((done) => {
          const child = spawn(process.execPath, [CLI, ...QUICK, '--out', f], {
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          child.on('close', (code) => done({ code, stderr }));
        });
      const results = await Promise.all([run(), run()]);
      // each either ran (or found the work done) or was refused up front because the other held the file
      for (const r of results) {
        if (r.code !== 0) {
          expect(r.code).to.equal(2);
          expect(r.stderr).to.match(/is being written by pid \d+ on host/);
        }
      }
      expect(results.some((r) => r.code === 0)).to.equal(true);
      const keys = readFileSync(f, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key as string);
      expect(keys).to.have.length(planned);
      expect(new Set(keys).size).to.equal(planned);
      expect(summarizeFile(f, () => undefined).runs).to.equal(planned);
    });

    it('collapses the identical copies of a `cat a b > c` of overlapping files, in summarize and merge', () => {
      const c = file();
      writeFileSync(c, lines.join('\n') + '\n' + lines.slice(0, 5).join('\n') + '\n');
      const read = readResults(c, quiet);
      expect(read.records).to.have.length(planned);
      expect(read.duplicates).to.have.length(5);
      expect(summarizeFile(c, () => undefined).runs).to.equal(planned);
      const s = cli('summarize', c, '--json');
      expect(s.status, s.stderr).to.equal(0);
      expect(JSON.parse(s.stdout).data.runs).to.equal(planned);
      const merged = mergeResults(join(dir, `m${n++}.jsonl`), [c, c]);
      expect(merged.records).to.have.length(planned);
    });

    it('refuses two different records of one run, naming both lines, in summarize, resume and merge', async () => {
      const c = file();
      const other = JSON.parse(lines[2]) as RunRecord;
      other.topology = { ...other.topology, weights: other.topology.weights + 1 };
      writeFileSync(c, lines.join('\n') + '\n' + JSON.stringify(other) + '\n');
      const expected = new RegExp(`${c}:${planned + 1}: run '${other.key}' is also at line 3 with different results`);
      expect(() => summarizeFile(c, () => undefined)).to.throw(InputError, expected);
      let resumed: unknown = null;
      await runPlan('sparsity-distribution', { quick: true, out: c, workers: 1 }).catch((err: unknown) => {
        resumed = err;
      });
      expect(resumed).to.be.instanceOf(InputError);
      expect((resumed as Error).message).to.match(expected);
      const a = file();
      const b = file();
      writeFileSync(a, lines.join('\n') + '\n');
      writeFileSync(b, JSON.stringify(other) + '\n');
      expect(() => mergeResults(join(dir, `m${n++}.jsonl`), [a, b])).to.throw(
        InputError,
        new RegExp(`${b}:1: run '${other.key}' is also at ${a}:3 with different results`),
      );
      const r = cli('plot', c, '--out', join(dir, 'p.svg'));
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/is also at line 3 with different results/);
    });
  });

  describe('special files and sizes', () => {
    it('refuses /dev/zero, a FIFO and a directory at once instead of reading forever', function () {
      this.timeout(20000);
      const fifo = join(dir, 'fifo');
      try {
        execFileSync('mkfifo', [fifo]);
      } catch {
        this.skip();
      }
      for (const [path, kind] of [
        ['/dev/zero', 'a character device'],
        [fifo, 'a FIFO'],
        [dir, 'a directory'],
      ]) {
        const t = Date.now();
        const r = cli('summarize', path);
        expect(r.status, r.stderr).to.equal(2);
        expect(r.stderr.trim()).to.equal(
          `radixnet: ${path} is ${kind}${kind === 'a FIFO' ? ' (named pipe)' : ''}, not a regular file; results are read from files only (save the records to a file first)`,
        );
        expect(Date.now() - t).to.be.below(15000);
      }
    });

    it('refuses --out /dev/full, /dev/stdout and a FIFO up front, before running anything', () => {
      const fifo = join(dir, 'fifo-out');
      execFileSync('mkfifo', [fifo]);
      for (const out of ['/dev/full', '/dev/stdout', fifo]) {
        const r = cli(...QUICK, '--out', out);
        expect(r.status, `${out}: ${r.stderr}`).to.equal(2);
        expect(r.stderr).to.match(/not a regular file; results are appended to a file/);
        expect(r.stdout).to.equal('');
      }
    });

    it('refuses a line over the record limit and a file over the size limit, naming the limit', () => {
      const saved = { ...LIMITS };
      try {
        const f = file();
        writeFileSync(f, lines[0] + '\n' + ' '.repeat(5000) + lines[1] + '\n');
        LIMITS.recordBytes = 4096;
        expect(() => readResults(f)).to.throw(
          InputError,
          new RegExp(
            `${f}:2: a line over 4.0 KiB, longer than any record radixnet writes \\(RADIXNET_MAX_RECORD_BYTES\\)`,
          ),
        );
        LIMITS.recordBytes = saved.recordBytes;
        LIMITS.resultsBytes = 1000;
        expect(() => readResults(f)).to.throw(
          InputError,
          /over the 1000 bytes limit on a results file \(RADIXNET_MAX_RESULTS_BYTES\)/,
        );
      } finally {
        Object.assign(LIMITS, saved);
      }
    });

    it('reads a 48 MB single line only up to the default record limit (16 MiB), quickly', () => {
      const f = file();
      writeFileSync(f, `{"v":1,"pad":"${'x'.repeat(48e6)}"}\n`);
      const t = Date.now();
      expect(() => readResults(f)).to.throw(InputError, /:1: a line over 16 MiB/);
      expect(Date.now() - t).to.be.below(5000);
    });
  });

  describe('hostile records', () => {
    const withParams = (change: (p: Record<string, unknown>) => void, fixPlan = true): string => {
      const r = JSON.parse(lines[0]) as RunRecord;
      change(r.params);
      if (fixPlan) r.planId = planId(r.experiment, r.params);
      const f = file();
      writeFileSync(f, JSON.stringify(r) + '\n');
      return f;
    };

    it("gives the option parsers' one-line errors for bins 3e8, bins -1 and factors 5, at once", () => {
      const cases: [(p: Record<string, unknown>) => void, RegExp][] = [
        [
          (p) => {
            p.bins = 3e8;
          },
          /:1: params\.bins: --bins must be a whole number from 1 to 1000, got "300000000"$/,
        ],
        [
          (p) => {
            p.bins = -1;
          },
          /:1: params\.bins: --bins must be a whole number from 1 to 1000, got "-1"$/,
        ],
        [
          (p) => {
            p.factors = 5;
          },
          /:1: params\.factors is 5, not a value of --factors \(radix factors, e\.g\. 1\.\.10 or 2,3,5\)$/,
        ],
        [
          (p) => {
            p.layers = [784, 'x'];
          },
          /:1: params\.layers: --layers entry 2 is 'x'/,
        ],
        [
          (p) => {
            p.evil = 1;
          },
          /:1: params\.evil is not a parameter of sparsity-distribution/,
        ],
      ];
      for (const [change, message] of cases) {
        const t = Date.now();
        const r = cli('summarize', withParams(change));
        expect(r.status).to.equal(2);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr.trim()).to.match(message);
        expect(Date.now() - t).to.be.below(15000);
      }
    });

    it("refuses a record whose planId is not its params' plan, in summarize and merge", () => {
      const f = withParams((p) => {
        p.bins = 20;
      }, false);
      expect(() => readResults(f)).to.throw(InputError, /:1: planId \w{12} is not the plan of the record's own params/);
      expect(() => mergeResults(join(dir, `m${n++}.jsonl`), [f])).to.throw(
        InputError,
        /is not the plan of the record's own params/,
      );
    });

    it('refuses a record nested 200,000 levels deep with one line, in summarize and merge', () => {
      const f = file();
      const r = JSON.parse(lines[0]) as Record<string, unknown>;
      writeFileSync(
        f,
        JSON.stringify(r).replace('"tags":', `"deep":${'['.repeat(200000)}${']'.repeat(200000)},"tags":`) + '\n',
      );
      const s = cli('summarize', f);
      expect(s.status).to.equal(2);
      expect(s.stderr.trim()).to.match(/:1: nests arrays and objects more than 64 deep \(RADIXNET_MAX_JSON_DEPTH\)/);
      const m = cli('merge', join(dir, `m${n++}.jsonl`), f);
      expect(m.status).to.equal(2);
      expect(m.stderr.trim().split('\n')).to.have.length(1);
      expect(m.stderr).to.match(/nests arrays and objects more than 64 deep/);
    });
  });

  describe('repair on bytes', () => {
    it('keeps every finished run after an invalid UTF-8 byte and a torn last line: resume redoes nothing twice', async () => {
      const f = file();
      // an invalid byte inside a string of line 1 (it still parses, as U+FFFD), the last run's record torn in half
      const first = Buffer.from(lines[0].replace('"host":"', '"host":"\u0001'));
      first[first.indexOf(1)] = 0xff;
      const torn = lines[planned - 1].slice(0, 40);
      writeFileSync(
        f,
        Buffer.concat([first, Buffer.from('\n' + lines.slice(1, planned - 1).join('\n') + '\n' + torn)]),
      );
      const r1 = await runPlan('sparsity-distribution', { quick: true, out: f, workers: 1, ...quiet });
      expect(r1.ran).to.equal(1);
      expect(r1.skipped).to.equal(planned - 1);
      const after = readFileSync(f);
      // every line whole: nothing of the torn line glued to the record appended after it
      const text = after.toString('utf8').trimEnd().split('\n');
      expect(text).to.have.length(planned);
      for (const l of text) JSON.parse(l);
      expect(after.subarray(0, first.length).equals(first)).to.equal(true);
      const r2 = await runPlan('sparsity-distribution', { quick: true, out: f, workers: 1, ...quiet });
      expect(r2.ran).to.equal(0);
      expect(readFileSync(f).equals(after)).to.equal(true);
    });

    it('keeps a complete last line that only lacks its newline, and ends it before appending', async () => {
      const f = file();
      writeFileSync(f, lines.slice(0, planned - 1).join('\n'));
      const warnings: string[] = [];
      const read = readResults(f, { warn: (m) => warnings.push(m) });
      expect(read.records).to.have.length(planned - 1);
      expect(read.tornLine).to.equal(false);
      expect(warnings).to.deep.equal([]);
      const r = await runPlan('sparsity-distribution', { quick: true, out: f, workers: 1, ...quiet });
      expect(r.ran).to.equal(1);
      expect(
        readFileSync(f, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).key),
      ).to.deep.equal(lines.map((l) => JSON.parse(l).key));
    });
  });
});
