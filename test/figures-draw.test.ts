import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { radixNet, type RadixNet } from '../src/topology/index.js';
import { heatmapFigure, MAX_HEATMAP_CELLS, NONZERO_COLOUR, ZERO_COLOUR } from '../src/figures/heatmap.js';
import { graphFigure, MAX_GRAPH_EDGES } from '../src/figures/graph.js';
import { renderPng, renderSvg, svgSize } from '../src/figures/render.js';
import { decodePng, hasWhiteFrame, svgMarks, translation } from './helpers/images.js';
import { jsonData, runIn } from './helpers/cli.js';

const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

function cli(args: string[], nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Checks every drawn cell against the mask bit at its (input, output), read from the cell's position. */
function expectCellsMatchMasks(svg: string, net: RadixNet, block: number): void {
  const panels = svgMarks(svg, 'mark-rect role-mark');
  expect(panels).to.have.length(net.masks.length);
  panels.forEach((cells, l) => {
    const mask = net.masks[l];
    const rows = Math.min(block, mask.nIn);
    const cols = Math.min(block, mask.nOut);
    const dense = mask.toDense();
    expect(cells).to.have.length(rows * cols);
    const seen = new Set<number>();
    let yellow = 0;
    for (const cell of cells) {
      // Vega draws a rect as a path from its top-left corner: M x,y h side v side ...
      const [, x, y, side] = /^M([\d.]+),([\d.]+)h([\d.]+)v/.exec(cell.attrs.d)!.map(Number);
      const i = Math.round(y / side);
      const o = Math.round(x / side);
      expect(i).to.be.within(0, rows - 1);
      expect(o).to.be.within(0, cols - 1);
      seen.add(i * cols + o);
      const bit = dense[i * mask.nOut + o];
      expect(cell.attrs.fill, `layer ${l} cell (${i}, ${o})`).to.equal(bit === 1 ? NONZERO_COLOUR : ZERO_COLOUR);
      yellow += bit;
    }
    expect(seen.size).to.equal(rows * cols);
    let expected = 0;
    for (let i = 0; i < rows; i++) for (let o = 0; o < cols; o++) expected += dense[i * mask.nOut + o];
    expect(yellow).to.equal(expected);
  });
}

describe('figures: mask heatmap (Fig 1) and layered graph (Fig 2)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'radixnet-draw-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('colours every cell of the 24 x 24 blocks of 10,10/10 on LeNet-300-100 by its mask bit', async () => {
    const net = radixNet('10,10/10', [784, 300, 100, 10]);
    const fig = heatmapFigure(net);
    expect(fig.warnings).to.deep.equal([]);
    const svg = await renderSvg(fig.spec);
    expectCellsMatchMasks(svg, net, 24);
    // the first layer's block by the spec's formula: input i reaches outputs i, i-1, ..., i-9 (mod 100)
    const cells = svgMarks(svg, 'mark-rect role-mark')[0];
    const yellow = cells.filter((c) => c.attrs.fill === NONZERO_COLOUR).length;
    let byFormula = 0;
    for (let i = 0; i < 24; i++) for (let o = 0; o < 24; o++) byFormula += (i - o + 100) % 100 < 10 ? 1 : 0;
    expect(yellow).to.equal(byFormula);
  });

  it('draws whole layers of odd sizes with --block all', async () => {
    const net = radixNet('3,2/2', [7, 6, 5, 3]);
    const fig = heatmapFigure(net, { block: 'all' });
    expect(fig.panels).to.deep.equal([
      { rows: 7, cols: 6 },
      { rows: 6, cols: 5 },
      { rows: 5, cols: 3 },
    ]);
    expectCellsMatchMasks(await renderSvg(fig.spec), net, 7);
  });

  it('caps a whole-layer heatmap of LeNet-300-100 with a warning', () => {
    const fig = heatmapFigure(radixNet('1,1/1', [784, 300, 100, 10]), { block: 'all' });
    const cells = fig.panels.reduce((s, p) => s + p.rows * p.cols, 0);
    expect(cells).to.be.at.most(MAX_HEATMAP_CELLS);
    expect(fig.block).to.be.below(784);
    expect(fig.warnings).to.have.length(1);
    expect(fig.warnings[0]).to.include(`top-left ${fig.block} x ${fig.block}`);
  });

  it('draws one node per unit and one edge per mask nonzero among the first k units, ending on the nodes', async () => {
    const net = radixNet('10,10/10', [784, 300, 100, 10]);
    const fig = graphFigure(net, 20);
    const svg = await renderSvg(fig.spec);
    const [nodes] = svgMarks(svg, 'mark-symbol role-mark');
    const [edges] = svgMarks(svg, 'mark-rule role-mark');
    expect(nodes).to.have.length(20 + 20 + 20 + 10);
    const expected = new Set<string>();
    net.masks.forEach((m, l) => {
      const dense = m.toDense();
      for (let i = 0; i < Math.min(20, m.nIn); i++)
        for (let o = 0; o < Math.min(20, m.nOut); o++) if (dense[i * m.nOut + o]) expected.add(`${l}:${i}:${o}`);
    });
    expect(edges).to.have.length(expected.size);
    expect(fig.edges).to.equal(expected.size);
    // node positions by (layer, unit), then each edge's two ends must sit on the nodes its mask bit names
    const at = new Map<string, string>();
    for (const n of nodes) {
      const [, layer, unit] = /layer: (\d+); unit: (\d+)/.exec(n.attrs['aria-label']) ?? [];
      at.set(translation(n).join(','), `${layer}:${unit}`);
    }
    expect(at.size).to.equal(70);
    const drawn = new Set<string>();
    for (const e of edges) {
      const [x, y] = translation(e);
      const from = at.get(`${x},${y}`);
      const to = at.get(`${x + Number(e.attrs.x2)},${y + Number(e.attrs.y2)}`);
      expect(from, 'edge start on a node').to.be.a('string');
      expect(to, 'edge end on a node').to.be.a('string');
      const [l, i] = from!.split(':').map(Number);
      const [l2, o] = to!.split(':').map(Number);
      expect(l2).to.equal(l + 1);
      drawn.add(`${l}:${i}:${o}`);
    }
    expect([...drawn].sort()).to.deep.equal([...expected].sort());
  });

  it('caps a dense graph at the edge limit with a warning', () => {
    const fig = graphFigure(radixNet('1,1/1', [784, 300, 100, 10]), 60);
    expect(fig.edges).to.be.at.most(MAX_GRAPH_EDGES);
    expect(fig.nodes[0]).to.be.below(60);
    expect(fig.warnings.join(' ')).to.match(/the first 60 units of each layer have 7800 edges; drawing the first \d+/);
  });

  it('rasterises to a PNG of twice the SVG size with nothing drawn in its outer frame', async () => {
    const fig = heatmapFigure(radixNet('2,2/2', [16, 16, 8, 4]), { block: 'all' });
    const svg = await renderSvg(fig.spec);
    const { width, height } = svgSize(svg);
    const img = decodePng(await renderPng(svg, 2));
    expect([img.width, img.height]).to.deep.equal([2 * width, 2 * height]);
    expect(hasWhiteFrame(img, 4)).to.equal(true);
    let yellow = 0;
    for (let k = 0; k < img.rgba.length; k += 4)
      if (img.rgba[k] === 0xfd && img.rgba[k + 1] === 0xe7 && img.rgba[k + 2] === 0x25) yellow++;
    expect(yellow).to.be.above(1000);
  });

  it('radixnet draw writes SVG and PNG, creates a missing folder, and refuses bad output paths in one line', async () => {
    const png = join(dir, 'g.png');
    const ok = await runIn(['draw', 'graph', '2,2/2', '--layers', '8,8,4,2', '--nodes', '6', '--out', png]);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^wrote .*g\.png \(PNG, (\d+) x (\d+) px, 18 nodes, \d+ edges\)\n$/);
    const [, w, h] = /(\d+) x (\d+) px/.exec(ok.stdout)!;
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).to.deep.equal([Number(w), Number(h)]);
    const nested = join(dir, 'missing', 'deeper', 'h.svg');
    const made = await runIn(['draw', 'heatmap', '2,2/2', '--layers', '8,8,4,2', '--out', nested, '--json']);
    expect(made.status, made.stderr).to.equal(0);
    expect(jsonData<{ path: string; format: string; panels: number }>(made.stdout)).to.include({
      path: nested,
      format: 'svg',
      panels: 3,
    });
    expect(readFileSync(nested, 'utf8')).to.match(/^<svg/);
    // a folder that cannot be made (a file is in the way)
    for (const [out, message] of [
      [join(png, 'h.svg'), /cannot write --out file .*\((ENOTDIR|EEXIST)\)/],
      [join(dir, 'h.pdf'), /must end in \.svg or \.png/],
    ] as const) {
      const bad = await runIn(['draw', 'heatmap', '10,10/10', '--out', out]);
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.match(message);
      expect(bad.stderr.trim().split('\n')).to.have.length(1);
    }
  });

  it('keeps vega, resvg and opentype.js out of every command that draws nothing', () => {
    const hook = join(dir, 'no-figure-libs.mjs');
    const resolver =
      'export async function resolve(s, c, next) { if (/^(vega|vega-lite|@resvg\\/|opentype\\.js)/.test(s)) ' +
      'throw new Error("loaded " + s); return next(s, c); }';
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolver)}));\n`,
    );
    const topology = cli(['topology', '2,2/2'], ['--import', hook]);
    expect(topology.status, topology.stderr).to.equal(0);
    const library = spawnSync(
      process.execPath,
      [
        '--import',
        hook,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(join(process.cwd(), 'dist', 'src', 'index.js'))}); ` +
          `const f = await import(${JSON.stringify(join(process.cwd(), 'dist', 'src', 'figures', 'index.js'))}); if (!f.heatmapFigure) process.exit(3);`,
      ],
      { encoding: 'utf8' },
    );
    expect(library.status, library.stderr).to.equal(0);
    // the same hook does stop a command that draws
    const draw = cli(['draw', 'heatmap', '2,2/2', '--out', join(dir, 'x.svg')], ['--import', hook]);
    expect(draw.status).to.not.equal(0);
    expect(draw.stderr).to.match(/loaded (vega|opentype)/);
  });
});
