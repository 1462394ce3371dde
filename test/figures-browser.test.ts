// The report and a standalone figure opened in a real browser: Debian's Chromium through playwright-core (never a
// downloaded browser). Skipped, saying how to install it, where /usr/bin/chromium is missing.
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildReport } from '../src/figures/report.js';
import { radixNet } from '../src/topology/index.js';
import { heatmapFigure } from '../src/figures/heatmap.js';
import { renderSvg } from '../src/figures/render.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots and pages land here (gitignored) for a person to look at. */
const OUT = join(process.cwd(), 'test-output', 'browser');

describe('figures in a real browser (Chromium)', function () {
  this.timeout(120_000);
  let browser: import('playwright-core').Browser;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `      (skipped: no ${CHROMIUM}; install Debian's Chromium with: apt-get update && apt-get install -y chromium)`,
      );
      this.skip();
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => browser?.close());

  /** Opens a file, failing on console errors, page errors and any request that leaves the file itself. */
  async function open(path: string, viewport = { width: 1200, height: 900 }) {
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    return { page, problems };
  }

  it('shows every figure of the report with a size, the embedded font, and no errors or network requests', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures', 'results');
    const files = readdirSync(fixtures)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => join(fixtures, f));
    const report = await buildReport(files, { date: new Date(0) });
    const html = join(OUT, 'report.html');
    writeFileSync(html, report.html);
    const { page, problems } = await open(html);
    await page.evaluate(() => document.fonts.ready);
    const sizes = await page.$$eval('figure svg', (svgs) =>
      svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return [r.width, r.height];
      }),
    );
    expect(sizes).to.have.length(report.figures.length);
    expect(sizes).to.have.length(2 + files.length);
    for (const [w, h] of sizes) {
      expect(w).to.be.above(100);
      expect(h).to.be.above(100);
    }
    // no figure wider than the page's text column: nothing needs sideways scrolling
    const widest = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(widest).to.be.at.most(1200);
    expect(await page.evaluate(() => document.fonts.check('12px "DejaVu Sans"'))).to.equal(true);
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('shows a standalone SVG figure at its declared size', async () => {
    const fig = heatmapFigure(radixNet('10,10/10', [784, 300, 100, 10]));
    const svg = await renderSvg(fig.spec);
    const path = join(OUT, 'heatmap.svg');
    writeFileSync(path, svg);
    const { page, problems } = await open(path);
    const box = await page.$eval('svg', (s) => {
      const r = s.getBoundingClientRect();
      return [r.width, r.height];
    });
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    expect(box).to.deep.equal([w, h]);
    expect(await page.$$eval('svg path[fill="#fde725"]', (p) => p.length)).to.be.above(100);
    await page.screenshot({ path: join(OUT, 'heatmap.png') });
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
