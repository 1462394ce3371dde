// TensorFlow.js as a peer: the supported range, and two loaded copies of tfjs-core refused with both paths named.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import { checkTfjsVersion, MIN_TFJS, TFJS_RANGE, tfjsVersionSupported } from '../src/tfjs/peer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TFJS_INDEX = join(ROOT, 'dist', 'src', 'tfjs', 'index.js');

/** A second copy of tfjs-core's Node bundle, inside the repo so that its own dependencies resolve. */
function secondCore(): string {
  const core = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json'));
  const copy = join(
    ROOT,
    'node_modules',
    '.cache',
    'radixnet-test-second-core',
    'node_modules',
    '@tensorflow',
    'tfjs-core',
  );
  mkdirSync(join(copy, 'dist'), { recursive: true });
  copyFileSync(join(core, 'package.json'), join(copy, 'package.json'));
  copyFileSync(join(core, 'dist', 'tf-core.node.js'), join(copy, 'dist', 'tf-core.node.js'));
  return copy;
}

function run(script: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('tfjs as a peer dependency', function () {
  it('states the same range in package.json as the runtime check uses', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu']) {
      expect(pkg.peerDependencies[name], name).to.equal(TFJS_RANGE);
      expect(pkg.peerDependenciesMeta[name], name).to.deep.equal({ optional: true });
    }
    // not a peer, on purpose: npm checks an absent optional peer's newest version against the installed tfjs-core,
    // so declaring it made `npm install radixnet` fail (ERESOLVE) beside any tfjs but the newest
    expect(pkg.peerDependencies['@tensorflow/tfjs-backend-wasm']).to.equal(undefined);
  });

  it('accepts 4.x from the lowest tested version and refuses versions outside the range', () => {
    expect(tfjsVersionSupported(MIN_TFJS)).to.equal(true);
    expect(tfjsVersionSupported('4.22.0')).to.equal(true);
    expect(tfjsVersionSupported('3.21.0')).to.equal(false);
    expect(tfjsVersionSupported('5.0.0')).to.equal(false);
    expect(() => checkTfjsVersion('@tensorflow/tfjs-core', '3.21.0', '/x/node_modules/@tensorflow/tfjs-core')).to.throw(
      InputError,
      /runs on @tensorflow\/tfjs-core >=4\.\d+\.\d+ <5, but 3\.21\.0 is installed \(\/x\/node_modules.*npm install @tensorflow\/tfjs@/,
    );
  });

  it('refuses to load beside a second copy of tfjs-core, naming both folders', () => {
    const copy = secondCore();
    const r = run(`import { createRequire } from 'node:module';
      createRequire(import.meta.url)(${JSON.stringify(copy)});
      try { await import(${JSON.stringify(TFJS_INDEX)}); console.log('loaded'); } catch (e) { console.log('ERR ' + e.constructor.name + ': ' + e.message); }`);
    expect(r.out).to.match(
      /ERR InputError: two copies of @tensorflow\/tfjs-core are loaded: .*node_modules\/@tensorflow\/tfjs-core \(4\.\d+\.\d+, the one radixnet\/tfjs imports\) and .*radixnet-test-second-core\/node_modules\/@tensorflow\/tfjs-core \(4\.\d+\.\d+\).*npm dedupe/,
    );
  });

  it('reports its kernels inactive and refuses the op once a second copy loads later', () => {
    const copy = secondCore();
    const r = run(`import { createRequire } from 'node:module';
      const radixnet = await import(${JSON.stringify(TFJS_INDEX)});
      const tf = await import('@tensorflow/tfjs-core');
      await radixnet.useBackend('cpu');
      const before = radixnet.radixKernelsActive();
      createRequire(import.meta.url)(${JSON.stringify(copy)});
      const mask = radixnet.Mask.full(2, 2);
      let err = '';
      try { radixnet.radixMatMul(tf.ones([1, 2]), tf.ones([2, 2]), mask); } catch (e) { err = e.message; }
      console.log(JSON.stringify({ before, after: radixnet.radixKernelsActive(), err }));`);
    const line = r.out.split('\n').find((l) => l.startsWith('{'));
    expect(line, r.out).to.be.a('string');
    const o = JSON.parse(line!);
    expect(o.before).to.equal(true);
    expect(o.after).to.equal(false);
    expect(o.err).to.match(/two copies of @tensorflow\/tfjs-core are loaded/);
  });
});
