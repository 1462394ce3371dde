// A fuzz of results files: 500 mutations of the fixture files of every experiment (bytes flipped, inserted, cut;
// lines dropped, repeated, swapped, torn; fields deleted or given hostile values). Each outcome must be a summary or a
// one-line InputError, within a second; mutations that change no run (a repeated line, another line order, another
// key order) must give exactly the summary of the original file.
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { summarizeFile } from '../src/suite/summarize.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'results');
const CASES = 500;

const HOSTILE: unknown[] = [
  null,
  -1,
  0,
  1,
  0.5,
  3e8,
  -3e8,
  1e308,
  -1e308,
  2 ** 53,
  1.5,
  '',
  'x',
  '10,10/1',
  true,
  false,
  [],
  {},
  [1, 2],
  [[[]]],
  { a: 1 },
  'a'.repeat(300),
  [null],
  ['x'],
  [-1],
  [3e8],
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A random path to a value inside `v` (object keys or array indices), possibly empty. */
function randomPath(rng: Rng, v: Json): (string | number)[] {
  const path: (string | number)[] = [];
  let at = v;
  while (at !== null && typeof at === 'object' && rng.next() < 0.7) {
    const keys: (string | number)[] = Array.isArray(at) ? at.map((_, i) => i) : Object.keys(at);
    if (keys.length === 0) break;
    const k = keys[rng.int(keys.length)];
    path.push(k);
    at = (at as Record<string | number, Json>)[k];
  }
  return path;
}

function setAt(v: Json, path: (string | number)[], value: unknown, remove: boolean): void {
  let at = v as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (remove && !Array.isArray(at)) delete at[last];
  else at[last] = value as Json;
}

/** Reorders the keys of every object (another JSON text of the same record). */
function shuffleKeys(rng: Rng, v: Json): Json {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(rng, x));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  const order = rng.permutation(keys.length);
  return Object.fromEntries(Array.from(order, (i) => [keys[i], shuffleKeys(rng, v[keys[i]])]));
}

interface Mutant {
  bytes: Buffer;
  /** Whether the runs are those of the original (the summary must equal the original's). */
  neutral: boolean;
  what: string;
}

function mutate(rng: Rng, original: Buffer): Mutant {
  const lines = original.toString('utf8').trimEnd().split('\n');
  const pick = (): number => rng.int(lines.length);
  const join_ = (ls: string[]): Buffer => Buffer.from(ls.join('\n') + '\n');
  switch (rng.int(12)) {
    case 0: {
      // flip one byte
      const b = Buffer.from(original);
      const at = rng.int(b.length);
      b[at] ^= 1 << rng.int(8);
      return { bytes: b, neutral: false, what: `byte ${at} flipped` };
    }
    case 1: {
      // insert a byte (invalid UTF-8, a brace, a quote, a newline)
      const at = rng.int(original.length);
      const byte = [0xff, 0x7b, 0x22, 0x0a, 0x5b, 0x00][rng.int(6)];
      return {
        bytes: Buffer.concat([original.subarray(0, at), Buffer.from([byte]), original.subarray(at)]),
        neutral: false,
        what: `byte ${byte} inserted at ${at}`,
      };
    }
    case 2: {
      // cut a range out
      const at = rng.int(original.length);
      const len = 1 + rng.int(200);
      return {
        bytes: Buffer.concat([original.subarray(0, at), original.subarray(at + len)]),
        neutral: false,
        what: `${len} bytes cut at ${at}`,
      };
    }
    case 3: {
      // truncate (a torn last line, or nothing left)
      const at = rng.int(original.length + 1);
      return { bytes: original.subarray(0, at), neutral: false, what: `truncated at ${at}` };
    }
    case 4: {
      // repeat lines: cat a a, or one line twice
      if (rng.next() < 0.5) return { bytes: Buffer.concat([original, original]), neutral: true, what: 'file repeated' };
      const i = pick();
      return {
        bytes: join_([...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)]),
        neutral: true,
        what: `line ${i + 1} repeated`,
      };
    }
    case 5: {
      // another line order
      const order = rng.permutation(lines.length);
      return { bytes: join_(Array.from(order, (i) => lines[i])), neutral: true, what: 'lines shuffled' };
    }
    case 6: {
      // another key order in one line
      const i = pick();
      const ls = [...lines];
      ls[i] = JSON.stringify(shuffleKeys(rng, JSON.parse(ls[i]) as Json));
      return { bytes: join_(ls), neutral: true, what: `keys of line ${i + 1} reordered` };
    }
    case 7: {
      // a line dropped
      const i = pick();
      return { bytes: join_(lines.filter((_, k) => k !== i)), neutral: false, what: `line ${i + 1} dropped` };
    }
    case 8: {
      // the last newline dropped: the last record is whole
      return { bytes: original.subarray(0, original.length - 1), neutral: true, what: 'final newline dropped' };
    }
    default: {
      // a field deleted or given a hostile value, 1 to 3 times
      const ls = [...lines];
      const edits: string[] = [];
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const i = pick();
        const record = JSON.parse(ls[i]) as Json;
        const path = randomPath(rng, record);
        if (path.length === 0) continue;
        const remove = rng.next() < 0.25;
        const value = HOSTILE[rng.int(HOSTILE.length)];
        setAt(record, path, value, remove);
        ls[i] = JSON.stringify(record);
        edits.push(`line ${i + 1} ${path.join('.')} ${remove ? 'deleted' : `= ${JSON.stringify(value).slice(0, 20)}`}`);
      }
      return { bytes: join_(ls), neutral: false, what: edits.join('; ') };
    }
  }
}

describe('results files: a fuzz of mutated files', function () {
  this.timeout(120000);
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`gives a summary or a one-line InputError within a second for each of ${CASES} mutated files, and the original summary when no run changed`, () => {
    const fixtures = readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.jsonl'))
      .sort();
    expect(fixtures.length).to.be.at.least(7);
    const quiet = (): void => undefined;
    const originals = fixtures.map((name) => {
      const bytes = readFileSync(join(FIXTURES, name));
      return { name, bytes, summary: summarizeFile(join(FIXTURES, name), quiet) };
    });
    const rng = new Rng(2026);
    const outcomes = { summary: 0, error: 0 };
    for (let c = 0; c < CASES; c++) {
      const original = originals[c % originals.length];
      const m = mutate(rng, original.bytes);
      const file = join(dir, `case${c}.jsonl`);
      writeFileSync(file, m.bytes);
      const label = `case ${c} (${original.name}: ${m.what})`;
      const t0 = performance.now();
      let summary: ReturnType<typeof summarizeFile> | null = null;
      try {
        summary = summarizeFile(file, quiet);
      } catch (err) {
        if (!(err instanceof InputError))
          throw new Error(`${label}: not an InputError: ${(err as Error)?.stack ?? String(err)}`);
        expect(err.message, label).not.to.include('\n');
        expect(err.message.length, label).to.be.below(600);
      }
      expect(performance.now() - t0, label).to.be.below(1000);
      if (summary) {
        outcomes.summary++;
        if (m.neutral) {
          expect(summary.text, label).to.deep.equal(original.summary.text);
          expect(summary.runs, label).to.equal(original.summary.runs);
        }
        expect(summary.runs, label).to.be.at.most(original.summary.runs + 1);
      } else {
        outcomes.error++;
        expect(m.neutral, `${label}: refused a file whose runs are the original's`).to.equal(false);
      }
    }
    // both outcomes occur: the fuzz reaches past the first checks
    expect(outcomes.summary).to.be.above(50);
    expect(outcomes.error).to.be.above(50);
  });
});
