import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecords } from '../src/figures/records.js';
import { plotFor, plots, plotTable } from '../src/figures/plots/index.js';
import { EXPERIMENT_NAMES, getExperiment } from '../src/suite/experiments/index.js';
import { CHEVRON, TRAIN_COLOUR, VALIDATION_COLOUR } from '../src/figures/plots/plot.js';
import { renderPng, renderSvg, svgSize } from '../src/figures/render.js';
import type { RunRecord } from '../src/suite/experiment.js';
import { decodePng, hasWhiteFrame, svgMarks } from './helpers/images.js';
import { jsonData, runIn, type CliResult } from './helpers/cli.js';
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'results');
const fixture = (name: string): string => join(FIXTURES, `${name}.jsonl`);

async function draw(name: string): Promise<{ records: RunRecord[]; svg: string; caption: string; figure: string }> {
  const records = readRecords(fixture(name));
  const plot = plotFor(records, fixture(name));
  const { spec, caption } = plot.draw(records, fixture(name));
  return { records, svg: await renderSvg(spec), caption, figure: plot.figure };
}

/** Items of all mark containers of a kind, flattened. */
const items = (svg: string, kind: string) => svgMarks(svg, `mark-${kind} role-mark`).flat();

describe("figures: radixnet plot draws each experiment's figure from its records", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'radixnet-plot-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('Fig. 3: one bar per non-empty 2.5% sparsity interval, heights summing to the lists', async () => {
    const { records, svg, figure } = await draw('sparsity-distribution');
    expect(figure).to.equal('Fig. 3');
    const occupied = new Set(records.map((r) => Math.floor(r.topology.sparsity * 40 + 1e-9)));
    const bars = items(svg, 'rect');
    expect(bars).to.have.length(occupied.size);
    const counts = bars.map((b) => Number(/radix lists: (\d+)/.exec(b.attrs['aria-label'])![1]));
    expect(counts.reduce((a, b) => a + b, 0)).to.equal(records.length);
    // each bar rises from the axis, its height in proportion to its count: M x,y h width v height ...
    const heights = bars.map((b) => Number(/^M[-\d.]+,[-\d.]+h[\d.]+v([\d.]+)/.exec(b.attrs.d)![1]));
    const bottoms = bars.map((b, k) => Number(/^M[-\d.]+,([-\d.]+)/.exec(b.attrs.d)![1]) + heights[k]);
    for (let k = 0; k < bars.length; k++) {
      expect(heights[k] / counts[k]).to.be.closeTo(heights[0] / counts[0], 1e-6);
      expect(bottoms[k]).to.be.closeTo(bottoms[0], 1e-6);
    }
  });

  it('Fig. 4: a red chevron per training accuracy and a blue dot per validation accuracy', async () => {
    const { records, svg } = await draw('accuracy-vs-sparsity');
    const points = items(svg, 'symbol');
    expect(points).to.have.length(2 * records.length);
    const train = points.filter((p) => p.attrs.stroke === TRAIN_COLOUR);
    const val = points.filter((p) => p.attrs.stroke === VALIDATION_COLOUR && p.attrs.fill === VALIDATION_COLOUR);
    expect(train).to.have.length(records.length);
    expect(val).to.have.length(records.length);
    // the chevron is the open path M-1,0.5 L0,-0.5 L1,0.5 scaled: three points, no closing Z, no fill
    for (const p of train) {
      expect(p.attrs.d).to.match(/^M[-\d.]+,[-\d.]+L[-\d.]+,[-\d.]+L[-\d.]+,[-\d.]+$/);
      // unfilled: no fill of its own, so the root group's fill="none" applies
      expect(p.attrs.fill ?? 'none').to.be.oneOf(['none', 'transparent']);
    }
    expect(CHEVRON).to.equal('M-1,0.5L0,-0.5L1,0.5');
    expect(svgMarks(svg, 'mark-text role-legend-label').flat(), 'legend entries').to.have.length(2);
    expect(svg)
      .to.match(/<text[^>]*>train<\/text>/)
      .and.to.match(/<text[^>]*>validation<\/text>/);
    const accuracies = new Set(records.map((r) => r.final!.trainAccuracy.toFixed(3)));
    for (const p of train)
      expect(accuracies).to.include(Number(/final accuracy: ([\d.]+)/.exec(p.attrs['aria-label'])![1]).toFixed(3));
  });

  it("Fig. 4 names a dataset and layers other than the paper's, and centres the 0% and 100% labels on their ticks", async () => {
    const paper = await draw('accuracy-vs-sparsity');
    const subtitle = (svg: string) => /<text[^>]*>(\d+ networks[^<]*)<\/text>/.exec(svg)![1];
    expect(subtitle(paper.svg)).to.equal('12 networks; 1 epoch, batch 100, seed 100');
    const records = readRecords(fixture('accuracy-vs-sparsity')).map((r) => ({
      ...r,
      config: { ...r.config!, dataset: 'fashion-mnist', layers: [784, 1000, 1000, 1000, 10] },
    }));
    const { spec } = plotFor(records, 'x').draw(records, 'x');
    const svg = await renderSvg(spec);
    expect(subtitle(svg)).to.equal('12 networks; Fashion-MNIST, 784-1000-1000-1000-10, 1 epoch, batch 100, seed 100');
    for (const label of ['0%', '100%']) {
      const text = new RegExp(`<text([^>]*)>${label}</text>`).exec(paper.svg)![1];
      expect(text, label).to.match(/text-anchor="middle"/);
    }
  });

  it('Fig. 5: a range bar and a median dot per network, the median of its seeds', async () => {
    const { records, svg } = await draw('seed-variance');
    const networks = new Map<string, number[]>();
    for (const r of records) {
      const id = `${r.tags.bin}|${r.tags.network}`;
      networks.set(id, [...(networks.get(id) ?? []), r.final!.valAccuracy!]);
    }
    expect(items(svg, 'rule')).to.have.length(networks.size);
    const dots = items(svg, 'symbol');
    expect(dots).to.have.length(networks.size);
    const medians = [...networks.values()]
      .map((acc) => {
        const s = [...acc].sort((a, b) => a - b);
        return ((s[1] + s[2]) / 2).toFixed(3); // four seeds each
      })
      .sort();
    const drawn = dots.map((d) => Number(/median: ([\d.]+)/.exec(d.attrs['aria-label'])![1]).toFixed(3)).sort();
    expect(drawn).to.deep.equal(medians);
  });

  it('Fig. 7: two 28 x 28 maps on one colour scale', async () => {
    const { records, svg } = await draw('saliency');
    const panels = svgMarks(svg, 'mark-rect role-mark');
    expect(panels.map((p) => p.length)).to.deep.equal([784, 784]);
    // the lowest seed's map of each model, the pruned one on the left
    const maps = ['pruned', 'radixnet']
      .map((m) => records.filter((r) => r.tags.model === m && r.tags.seed === 1))
      .map(([r]) => (r.data!.saliency as { values: number[] }).values);
    const max = Math.max(...maps.flat());
    // pixels of equal saliency get equal colours in both panels: the maximum (in both maps) and zero
    const fillOf = (panel: number, value: number): Set<string> =>
      new Set(panels[panel].filter((_, k) => maps[panel][k] === value).map((c) => c.attrs.fill));
    expect([...fillOf(0, max)]).to.deep.equal([...fillOf(1, max)]);
    expect(fillOf(0, max).size).to.equal(1);
    expect([...fillOf(0, 0)][0]).to.not.equal([...fillOf(0, max)][0]);
  });

  it('Fig. 8: one line per retrained strange model over its epochs', async () => {
    const { records, svg } = await draw('strange-models');
    const retrained = records.filter((r) => r.tags.stage === 'retrain');
    expect(retrained.length).to.be.above(0);
    const lines = items(svg, 'line');
    expect(lines).to.have.length(retrained.length);
    for (const line of lines) expect(line.attrs.d.match(/L/g)).to.have.length(29);
  });

  it('Fig. 9: two panels, one line per seed each', async () => {
    const { records, svg } = await draw('seed-study');
    const panels = svgMarks(svg, 'mark-line role-mark');
    const seeds = (m: string) => records.filter((r) => r.tags.model === m).length;
    expect(panels.flat()).to.have.length(seeds('normal') + seeds('strange'));
    expect(svg).to.include('normal model 10,10/10').and.to.include('strange model 10,10/1');
  });

  it('pruning: a point per method and target at the median over seeds, and a median curve each', async () => {
    const { records, svg } = await draw('pruning');
    const overall = records.filter((r) => r.tags.scope === 'overall');
    expect(overall.length).to.be.below(records.length);
    const groups = new Map<string, number[]>();
    for (const r of overall)
      groups.set(`${r.tags.method}|${r.tags.target}`, [
        ...(groups.get(`${r.tags.method}|${r.tags.target}`) ?? []),
        r.final!.testAccuracy,
      ]);
    const methods = new Set(overall.map((r) => r.tags.method));
    const points = items(svg, 'symbol');
    expect(points).to.have.length(groups.size);
    // left panel: one line per method; right panel: one curve per method and target
    expect(items(svg, 'line')).to.have.length(methods.size + groups.size);
    const medians = [...groups.values()]
      .map((acc) => (acc.length === 2 ? (acc[0] + acc[1]) / 2 : NaN).toFixed(4))
      .sort();
    expect(
      points.map((p) => Number(/test accuracy: ([\d.]+)/.exec(p.attrs['aria-label'])![1]).toFixed(4)).sort(),
    ).to.deep.equal(medians);
  });

  it("has one plot per experiment of the registry, and docs/experiments.md holds their table in the report's order", () => {
    expect(Object.keys(plots)).to.deep.equal([...EXPERIMENT_NAMES]);
    for (const name of EXPERIMENT_NAMES)
      expect(getExperiment(name).name, 'registry key = experiment name').to.equal(name);
    const doc = readFileSync(join(process.cwd(), 'docs', 'experiments.md'), 'utf8').split('\n');
    const start = doc.indexOf('| experiment | figure | reads |');
    expect(start, "the table's header in docs/experiments.md").to.be.above(-1);
    const table = doc.slice(
      start,
      doc.findIndex((l, k) => k > start && !l.startsWith('|')),
    );
    expect(table).to.deep.equal(plotTable());
  });

  it("keeps every figure's text and marks inside the image (PNG frame of 3 px left blank)", async () => {
    for (const name of [
      'sparsity-distribution',
      'accuracy-vs-sparsity',
      'seed-variance',
      'saliency',
      'strange-models',
      'seed-study',
      'pruning',
    ]) {
      const { svg } = await draw(name);
      const img = decodePng(await renderPng(svg, 1));
      const { width, height } = svgSize(svg);
      expect([img.width, img.height], name).to.deep.equal([width, height]);
      expect(hasWhiteFrame(img, 3), name).to.equal(true);
    }
  });

  describe('bad input', () => {
    const write = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const plot = (path: string): Promise<CliResult> => runIn(['plot', path, '--out', join(dir, 'out.svg')]);
    const line = (exp = 'accuracy-vs-sparsity') =>
      readFileSync(fixture('accuracy-vs-sparsity'), 'utf8')
        .split('\n')[0]
        .replace('"experiment":"accuracy-vs-sparsity"', `"experiment":"${exp}"`);

    it('refuses an empty file, a corrupt line, an unknown experiment and mixed experiments with file and line', async () => {
      const cases: [string, string, RegExp][] = [
        ['empty.jsonl', '', /empty\.jsonl holds no results records/],
        ['corrupt.jsonl', `${line()}\n{"v":1,"exp\n${line()}\n`, /corrupt\.jsonl:2: line is not JSON/],
        [
          'unknown.jsonl',
          `${line('nonesuch')}\n`,
          /unknown\.jsonl:1: unknown experiment 'nonesuch'; the experiments are /,
        ],
        [
          'mixed.jsonl',
          `${line()}\n${line('seed-study')}\n`,
          /mixed\.jsonl:2: params\.factors is not a parameter of seed-study/,
        ],
        ['notrecord.jsonl', '{"v":1}\n', /notrecord\.jsonl:1: not a results record: field 'experiment' is missing/],
      ];
      for (const [name, text, message] of cases) {
        const r = await plot(write(name, text));
        expect(r.status, name).to.equal(2);
        expect(r.stderr).to.match(message);
        expect(r.stderr.trim().split('\n'), name).to.have.length(1);
      }
      const missing = await plot(join(dir, 'nothere.jsonl'));
      expect(missing.status).to.equal(2);
      expect(missing.stderr).to.match(/cannot read results file .*nothere\.jsonl \(ENOENT\)/);
    });

    it('skips a torn last line with a warning and draws the rest', () => {
      const records = readFileSync(fixture('accuracy-vs-sparsity'), 'utf8');
      const warnings: string[] = [];
      const path = write('torn.jsonl', `${records}{"v":1,"experiment":"accuracy-vs-spa`);
      expect(readRecords(path, (m) => warnings.push(m))).to.have.length(12);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/torn\.jsonl: dropped a torn last line/);
    });

    it('writes the figure next to the results by default and names the figure it drew', async () => {
      const path = write('fig4.jsonl', readFileSync(fixture('accuracy-vs-sparsity'), 'utf8'));
      const r = await runIn(['plot', path]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^wrote .*fig4\.svg \(Fig\. 4, SVG, \d+ x \d+ px\)\n/);
      expect(readFileSync(join(dir, 'fig4.svg'), 'utf8')).to.match(/^<svg /);
    });

    it('creates the folder of --out and answers with the file and caption under --json', async () => {
      const path = write('fig4b.jsonl', readFileSync(fixture('accuracy-vs-sparsity'), 'utf8'));
      const out = join(dir, 'new-folder', 'fig4.png');
      const r = await runIn(['plot', path, '--out', out, '--json']);
      expect(r.status, r.stderr).to.equal(0);
      const data = jsonData<{ path: string; format: string; figure: string; caption: string }>(r.stdout);
      expect(data).to.include({ path: out, format: 'png', figure: 'Fig. 4' });
      expect(data.caption).to.be.a('string').and.not.equal('');
      expect(decodePng(readFileSync(out)).width).to.be.above(0);
    });
  });
});
