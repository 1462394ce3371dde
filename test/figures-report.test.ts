import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, resultsFiles } from '../src/figures/report.js';
import { experiments } from '../src/suite/experiments/index.js';
import { runIn } from './helpers/cli.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'results');

describe('figures: radixnet report', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'radixnet-report-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("holds Fig 1 and 2, every results file's figure in the paper's order, its summary, runs and the bench tables", async () => {
    const files = resultsFiles([FIXTURES]);
    expect(files).to.have.length(readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).length);
    const bench = {
      date: '2026-01-01',
      threads: 2,
      training: [
        { topology: '10,10/10', sparsity: 0.9, epochMs: 1234.5 },
        { topology: 'dense', sparsity: 0, epochMs: 4321 },
      ],
    };
    const report = await buildReport(files, { bench, date: new Date(0) });
    expect(report.figures.map((t) => /^(\S+)/.exec(t)![1])).to.deep.equal([
      'Mask',
      'Layered',
      'sparsity-distribution',
      'accuracy-vs-sparsity',
      'seed-variance',
      'saliency',
      'strange-models',
      'seed-study',
      'pruning',
    ]);
    const html = report.html;
    expect(html.match(/<figure>/g)).to.have.length(9);
    expect(html.match(/<figcaption>/g)).to.have.length(9);
    expect(html.match(/<svg /g)).to.have.length(9);
    // one runs table per results file; a summary for each experiment the suite's registry knows
    expect(html.match(/<h3>Runs<\/h3>/g)).to.have.length(files.length);
    const summarized = files.filter((f) =>
      Object.hasOwn(experiments, JSON.parse(readFileSync(f, 'utf8').split('\n')[0]).experiment),
    );
    expect(summarized.length).to.be.above(0);
    expect((html.match(/<h3>Summary<\/h3>/g) ?? []).length).to.equal(summarized.length);
    expect(html).to.include('5 of 12 networks below 0.8 validation accuracy');
    expect(html).to.match(
      /<h3>training<\/h3>\n<table><tr><th>topology<\/th><th>sparsity<\/th><th>epochMs<\/th><\/tr><tr><td>10,10\/10<\/td><td>0\.9000<\/td><td>1235<\/td>/,
    );
    expect(report.tables).to.equal(files.length + 1);
    // self-contained: nothing to fetch, and ids unique across the inlined SVGs
    expect(html).to.not.match(/(src|href)="(https?:)?\/\//);
    expect(html).to.not.match(/@import|<link /);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).to.include(m[1]);
  });

  it('radixnet report writes the page and refuses a folder without results', async () => {
    const out = join(dir, 'r.html');
    const benchFile = join(dir, 'none.json');
    const r = await runIn(['report', join(FIXTURES, 'seed-study.jsonl'), '--out', out, '--bench', benchFile]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^wrote .*r\.html \(3 figures, 1 table, [\d.]+ MB\)\n$/);
    expect(readFileSync(out, 'utf8')).to.match(/^<!doctype html>/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    const bad = await runIn(['report', empty]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim()).to.match(/^radixnet: folder '.*empty' holds no results files \(\*\.jsonl\)$/);
  });
});
