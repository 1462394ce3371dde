// `radixnet report`: one self-contained HTML page (inline SVG, inline CSS, the font embedded; nothing fetched) with
// every figure the results allow, each captioned, the numbers behind it, how it was run, and the benchmark tables.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import type { RunRecord } from '../records/run-record.js';
import { EXPERIMENT_NAMES, experiments } from '../suite/experiments/index.js';
import { summarizeRecords } from '../suite/summarize.js';
import { radixNet } from '../topology/index.js';
import { fontBuffers } from './font.js';
import { graphFigure } from './graph.js';
import { heatmapFigure } from './heatmap.js';
import { plotFor } from './plots/index.js';
import { readRecords } from './records.js';
import { renderSvg } from './render.js';

export interface ReportOptions {
  /** The network of Fig. 1 and 2 (default the paper's 10,10/10 on LeNet-300-100). */
  radices?: string;
  layers?: number[];
  /** Parsed bench/out/bench.json, when there is one. */
  bench?: Record<string, unknown>;
  /** The date printed in the header (default now). */
  date?: Date;
  warn?: (message: string) => void;
}

/** What the page holds, for the CLI to print and the tests to check. */
export interface Report {
  html: string;
  /** Figure titles in page order. */
  figures: string[];
  tables: number;
}

/** The results files named by `args`: files as given, folders expanded to their *.jsonl files; none is an error. */
export function resultsFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const a of args) {
    if (!existsSync(a)) throw new InputError(`results file or folder '${a}' does not exist`);
    if (statSync(a).isDirectory()) {
      const inside = readdirSync(a)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
        .map((f) => join(a, f));
      if (inside.length === 0) throw new InputError(`folder '${a}' holds no results files (*.jsonl)`);
      files.push(...inside);
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) throw new InputError('name at least one results file or folder');
  return files;
}

/** Builds the report page from results files (each one experiment's records). */
export async function buildReport(files: readonly string[], opts: ReportOptions = {}): Promise<Report> {
  const results = files.map((path) => ({ path, records: readRecords(path, opts.warn) }));
  // the registry's order, which is the paper's; records of an experiment it does not hold come after, by name
  const order: readonly string[] = EXPERIMENT_NAMES;
  const rank = (e: string): number => (order.includes(e) ? order.indexOf(e) : order.length);
  results.sort(
    (a, b) =>
      rank(a.records[0].experiment) - rank(b.records[0].experiment) ||
      a.records[0].experiment.localeCompare(b.records[0].experiment),
  );
  const sections: string[] = [];
  const figures: string[] = [];
  let tables = 0;
  /** One section: heading, the figure (ids scoped to it), its caption, then what goes under it. */
  const addFigure = (title: string, svg: string, caption: string, below: string[] = []): void => {
    figures.push(title);
    const id = `figure-${figures.length}`;
    sections.push(
      `<section id="${id}"><h2>Figure ${figures.length}. ${esc(title)}</h2>\n<figure>${scopeIds(svg, id)}` +
        `<figcaption><b>Figure ${figures.length}.</b> ${esc(caption)}</figcaption></figure>\n${below.join('\n')}</section>`,
    );
  };

  const radices = opts.radices ?? '10,10/10';
  const net = radixNet(radices, opts.layers ?? [784, 300, 100, 10]);
  const heat = heatmapFigure(net);
  addFigure(
    `Mask heatmaps of ${net.layers.join('-')} with radices ${radices} (Fig. 1)`,
    await renderSvg(heat.spec),
    `The top-left ${heat.block} x ${heat.block} block of each layer's connection mask: yellow where an input (row) feeds an ` +
      'output (column), purple where it does not. Each block repeats the mixed-radix pattern of its unit layer.',
  );
  const graph = graphFigure(net);
  addFigure(
    'Layered graph of the same network (Fig. 2)',
    await renderSvg(graph.spec),
    `The first ${graph.nodes[0]} units of each layer and the ${graph.edges} connections among them: the same pattern of ` +
      'connections repeats along every layer, the symmetry of RadiX-Nets.',
  );

  for (const { path, records } of results) {
    const plot = plotFor(records, path);
    const { spec, caption } = plot.draw(records, path);
    const below: string[] = [];
    // the experiment's own summary: the numbers behind the figure, as `radixnet summarize` prints them
    if (Object.hasOwn(experiments, records[0].experiment)) {
      below.push(`<h3>Summary</h3>\n<pre>${esc(summarizeRecords(records).text.join('\n'))}</pre>`);
    }
    below.push(runsTable(path, records));
    tables++;
    const paper = plot.figure.startsWith('Fig') ? ' of the paper' : '';
    addFigure(
      `${records[0].experiment} (${plot.figure}${paper}), from ${basename(path)}`,
      await renderSvg(spec),
      caption,
      below,
    );
  }

  if (opts.bench) {
    const benchTables = benchSection(opts.bench);
    tables += benchTables.count;
    sections.push(benchTables.html);
  }
  const date = (opts.date ?? new Date())
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const contents = figures.map((t, k) => `<li><a href="#figure-${k + 1}">Figure ${k + 1}. ${esc(t)}</a></li>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>RadiX-Net report</title>
<style>${css()}</style></head>
<body><main>
<h1>RadiX-Net report</h1>
<p class="meta">Made ${esc(date)} by <code>radixnet report</code> from ${files.length} results file${files.length === 1 ? '' : 's'}:
${files.map((f) => `<code>${esc(f)}</code>`).join(', ')}. Figures follow Kwak et al., "Testing RadiX-Nets: Advances in Viable
Sparse Topologies" (HPEC 2023).</p>
<nav><ol>${contents}${opts.bench ? '<li><a href="#performance">Performance</a></li>' : ''}</ol></nav>
${sections.join('\n')}
</main></body></html>
`;
  return { html, figures, tables };
}

/** The runs behind a figure: how many, how long, where, and the experiment's parameters. */
function runsTable(path: string, records: readonly RunRecord[]): string {
  const walls = records.map((r) => r.wallSeconds).sort((a, b) => a - b);
  const total = walls.reduce((s, w) => s + w, 0);
  const hosts = [...new Set(records.map((r) => r.host))];
  const threads = [...new Set(records.map((r) => r.threads))];
  const cfg = records.find((r) => r.config)?.config;
  const rows: [string, string][] = [
    ['results file', path],
    ['runs', String(records.length)],
    [
      'wall time',
      `${fmtSeconds(total)} in all; per run median ${fmtSeconds(walls[walls.length >> 1])}, longest ${fmtSeconds(walls[walls.length - 1])}`,
    ],
    ['hosts', `${hosts.slice(0, 6).join(', ')}${hosts.length > 6 ? ', ...' : ''}`],
    ['threads per run', threads.join(', ')],
    [
      'parameters',
      Object.entries(records[0].params)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join(', '),
    ],
  ];
  if (cfg) {
    rows.push([
      'training',
      `${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, ${cfg.epochs} epochs, init ${cfg.init}, ` +
        `${cfg.bias ? 'bias' : 'no bias'}, validation split ${cfg.validationSplit}, layers ${cfg.layers.join('-')}`,
    ]);
  }
  return `<h3>Runs</h3>\n<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

/** Every list of row objects in bench.json as a table of its scalar columns. */
function benchSection(bench: Record<string, unknown>): { html: string; count: number } {
  const parts: string[] = ['<section id="performance"><h2>Performance</h2>'];
  const meta = ['date', 'node', 'cpu', 'threads', 'kernelVariant', 'simdPeakGflops', 'fmaPeakGflops']
    .filter((k) => bench[k] !== undefined)
    .map((k) => `${k} ${fmtCell(bench[k])}`);
  parts.push(
    `<p class="meta">From <code>bench/out/bench.json</code> (<code>npm run bench</code>): ${esc(meta.join(', '))}.</p>`,
  );
  let count = 0;
  for (const [name, value] of Object.entries(bench)) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => v && typeof v === 'object')) continue;
    const columns = [...new Set(value.flatMap((row) => Object.keys(row).filter((k) => isScalar(row[k]))))];
    parts.push(
      `<h3>${esc(name)}</h3>\n<table><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>` +
        value.map((row) => `<tr>${columns.map((c) => `<td>${esc(fmtCell(row[c]))}</td>`).join('')}</tr>`).join('') +
        '</table>',
    );
    count++;
  }
  parts.push('</section>');
  return { html: parts.join('\n'), count };
}

function isScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function fmtCell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return v === undefined || v === null ? '' : String(v);
}

function fmtSeconds(s: number): string {
  return s >= 3600 ? `${(s / 3600).toFixed(2)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

/** Gives an inline SVG's ids (Vega's clip paths) a per-figure prefix, so two figures' ids cannot collide on one page. */
function scopeIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function css(): string {
  const { regular, bold } = fontBuffers();
  const face = (data: Uint8Array, weight: string): string =>
    `@font-face{font-family:'DejaVu Sans';font-weight:${weight};src:url(data:font/ttf;base64,${Buffer.from(data).toString('base64')}) format('truetype')}`;
  return `${face(regular, 'normal')}
${face(bold, 'bold')}
body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#222;background:#fff;margin:0;line-height:1.45}
main{max-width:1120px;margin:0 auto;padding:1.5em 1.2em 4em}
h1{font-size:1.7em;margin:.2em 0}
h2{font-size:1.25em;margin:2em 0 .6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1em;margin:1.2em 0 .4em}
.meta{color:#555;font-size:.9em}
figure{margin:0}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.9em;color:#333;margin-top:.5em;max-width:52em}
pre{background:#f6f6f6;padding:.7em;overflow-x:auto;font-size:.8em;line-height:1.3}
table{border-collapse:collapse;font-size:.82em;margin:.4em 0}
th,td{border-bottom:1px solid #e2e2e2;padding:.2em .6em;text-align:left;vertical-align:top}
table.kv th{font-weight:normal;color:#555;white-space:nowrap}
nav ol{padding-left:1.4em;font-size:.92em}
@media print{main{max-width:none;padding:0}nav{display:none}section{break-inside:avoid-page}figure,table,pre{break-inside:avoid}pre{white-space:pre-wrap}}`;
}
