// Figures are Vega-Lite specs. This file turns one into SVG text (Vega's headless renderer, no browser, no native
// canvas) or PNG bytes (resvg's wasm rasteriser, with the same font files the layout was measured with), and writes
// it. Vega, Vega-Lite, opentype.js and resvg are imported on first use, so nothing else in radixnet loads them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TopLevelSpec, Config } from 'vega-lite';
import { InputError } from '../errors.js';
import { FONT_FAMILY, fontBuffers, textWidth } from './font.js';
import { writeOutput } from './output.js';

export type { TopLevelSpec } from 'vega-lite';

/** The look every figure shares; a spec's own config entries win. */
const THEME: Config = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 8,
  title: { fontSize: 14, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
};

/** Device pixels per SVG pixel in PNG output (2 reads sharply on high-density screens and in print). */
export const DEFAULT_PNG_SCALE = 2;

/** Renders a Vega-Lite spec to SVG text; its root element carries the width and height in px. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  checkRenderer();
  const [vega, vl, measure] = await Promise.all([import('vega'), import('vega-lite'), textWidth()]);
  // Vega measures text only through textMetrics.width; without a canvas it guesses 0.8 em per character, which
  // lays axis titles and legends out far wider than the font draws them.
  (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics.width = (
    item,
    text,
  ) => measure(text == null ? '' : String(text).trim(), item.fontSize ?? 11, isBold(item.fontWeight));
  const themed = { ...spec, config: mergeConfig(THEME, spec.config ?? {}) } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(themed).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

function isBold(weight: string | number | undefined): boolean {
  return (
    weight === 'bold' ||
    weight === 'bolder' ||
    (typeof weight === 'number' && weight >= 600) ||
    (typeof weight === 'string' && Number(weight) >= 600)
  );
}

function mergeConfig(base: Config, own: Config): Config {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(own)) {
    const b = out[k];
    out[k] = b && typeof b === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  return out as Config;
}

/** The width and height in px that an SVG's root element declares. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(root)?.[1]);
  return { width, height };
}

/** The packages figures render with: optional dependencies of radixnet, absent from an --omit=optional install. */
const RENDERER: [pkg: string, file: string][] = [
  ['vega', 'vega'],
  ['vega-lite', 'vega-lite'],
  ['@resvg/resvg-wasm', '@resvg/resvg-wasm/index_bg.wasm'],
  ['opentype.js', 'opentype.js'],
  ['dejavu-fonts-ttf', 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf'],
];

/** Throws an InputError naming the renderer's packages that are not installed and the line that installs them. */
function checkRenderer(): void {
  const require = createRequire(import.meta.url);
  const missing = RENDERER.filter(([, file]) => {
    try {
      import.meta.resolve(file);
      return false;
    } catch {
      try {
        require.resolve(file);
        return false;
      } catch {
        return true;
      }
    }
  }).map(([pkg]) => pkg);
  if (missing.length > 0) {
    throw new InputError(
      `drawing figures needs ${missing.join(', ')}, optional dependencies of radixnet left out of this install (--omit=optional?): \`npm install ${missing.join(' ')}\``,
    );
  }
}

let resvgReady: Promise<typeof import('@resvg/resvg-wasm')> | undefined;

async function loadResvg(): Promise<typeof import('@resvg/resvg-wasm')> {
  resvgReady ??= (async () => {
    const resvg = await import('@resvg/resvg-wasm');
    const wasm = readFileSync(createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'));
    await resvg.initWasm(wasm);
    return resvg;
  })();
  return resvgReady;
}

/** Rasterises SVG text to PNG bytes at `scale` device pixels per px, with the shipped font only (no system fonts). */
export async function renderPng(svg: string, scale = DEFAULT_PNG_SCALE): Promise<Uint8Array> {
  const { Resvg } = await loadResvg();
  const { regular, bold } = fontBuffers();
  const family = FONT_FAMILY.split(',')[0];
  const r = new Resvg(svg, {
    font: { fontBuffers: [regular, bold], defaultFontFamily: family, sansSerifFamily: family },
    fitTo: { mode: 'zoom', value: scale },
  });
  try {
    const image = r.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    r.free();
  }
}

export type FigureFormat = 'svg' | 'png';

/** The format a file name asks for; anything but .svg or .png is refused. */
export function formatOf(path: string): FigureFormat {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'svg' || ext === 'png') return ext;
  throw new InputError(`--out file '${path}' must end in .svg or .png`);
}

/** What writeFigure wrote: the image size in px (device pixels for PNG). */
export interface WrittenFigure {
  path: string;
  format: FigureFormat;
  width: number;
  height: number;
  bytes: number;
}

/** Renders a spec and writes it atomically as SVG or PNG, chosen by the extension of `path`. */
export async function writeFigure(spec: TopLevelSpec, path: string, scale = DEFAULT_PNG_SCALE): Promise<WrittenFigure> {
  const format = formatOf(path);
  const svg = await renderSvg(spec);
  const size = svgSize(svg);
  const data = format === 'svg' ? svg : await renderPng(svg, scale);
  writeOutput(path, data);
  const k = format === 'svg' ? 1 : scale;
  return { path, format, width: Math.round(size.width * k), height: Math.round(size.height * k), bytes: data.length };
}
