// Saved models are never lost or mixed, and loading a model folder is safe against hostile or damaged files.
// Pauses inside the writer come from its RADIXNET_SAVE_PAUSE hook, not from timing.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { radixModel, saveModel, loadModel } from '../src/tfjs/model.js';
import { checkSaveTarget, LOCK_FILE } from '../src/tfjs/model-folder.js';
import type { LooseJson } from './helpers/loose-json.js';

const MODEL_TS = fileURLToPath(new URL('../src/tfjs/model.js', import.meta.url));
const X = tf.tensor2d(new Rng(3).fillNormal(new Float32Array(5 * 8)), [5, 8]);

const small = (seed: number): tfl.Sequential => radixModel({ radices: '2/2', layers: [8, 4, 2], seed, compile: false });
const outputs = (m: tfl.LayersModel): number[] => Array.from((m.predict(X) as tf.Tensor).dataSync());
const weightFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.bin'));

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

/** A node -e script that saves small(seed) to `dir` in another process. */
function childSave(dir: string, seed: number): string {
  return `const { radixModel, saveModel } = await import(${JSON.stringify(MODEL_TS)});
    await saveModel(radixModel({ radices: '2/2', layers: [8, 4, 2], seed: ${seed}, compile: false }), ${JSON.stringify(dir)});`;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - t0 > 20000) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('model folders: checked, atomic saves', function () {
  this.timeout(30000);
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'radixnet-save-'))));
  afterEach(() => {
    delete process.env.RADIXNET_SAVE_PAUSE;
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a .json path into a folder holding another model unless forced, and keeps both then', async () => {
    const m = join(root, 'm');
    const a = small(1);
    const b = small(2);
    await saveModel(a, m);
    const err = await failure(saveModel(b, join(m, 'other.json')));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.match(/already holds another model \(model\.json\).*--force/);
    expect(() => checkSaveTarget(join(m, 'other.json'))).to.throw(InputError, /another model/);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(a));
    await saveModel(b, join(m, 'other.json'), { force: true });
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(a));
    expect(outputs(await loadModel(join(m, 'other.json')))).to.deep.equal(outputs(b));
    expect(outputs(a)).not.to.deep.equal(outputs(b));
  });

  it('refuses a file, a path under a file, before any work', () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(() => checkSaveTarget(file)).to.throw(InputError, /is a file, not a folder/);
    expect(() => checkSaveTarget(join(file, 'sub', 'model'))).to.throw(InputError, /is a file, not a folder/);
    expect(checkSaveTarget(join(root, 'new', 'deeper')).dir).to.equal(join(root, 'new', 'deeper'));
    expect(existsSync(join(root, 'new')), 'checking creates nothing').to.equal(false);
  });

  it('refuses an unwritable folder before any work', function () {
    // root writes anywhere a mode allows nothing, so as root use a folder the kernel refuses even to root, if any
    let locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    if (process.getuid?.() === 0) {
      locked = '/proc/sys';
      try {
        accessSync(locked, constants.W_OK);
        this.skip();
      } catch {
        // not writable: a real test
      }
    }
    expect(() => checkSaveTarget(join(locked, 'model'))).to.throw(
      InputError,
      /is not writable \(E(ACCES|ROFS|PERM)\); choose a folder you can write to/,
    );
  });

  it('serializes two writers: the second waits for the first, a reader sees the old model meanwhile', async () => {
    const m = join(root, 'm');
    const [old, a, b] = [small(1), small(2), small(3)];
    await saveModel(old, m);
    const gate = join(root, 'gate');
    process.env.RADIXNET_SAVE_PAUSE = gate;
    let aDone = false;
    let bDone = false;
    const saveA = saveModel(a, m).then(() => (aDone = true));
    await until(() => existsSync(`${gate}.paused`), 'writer A to pause');
    // A holds the lock with its weights written and model.json not yet replaced
    const saveB = saveModel(b, m).then(() => (bDone = true));
    await new Promise((r) => setTimeout(r, 200));
    expect([aDone, bDone]).to.deep.equal([false, false]);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(old));
    writeFileSync(gate, '');
    await Promise.all([saveA, saveB]);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(b));
    expect(weightFiles(m)).to.have.length(1);
    expect(existsSync(join(m, LOCK_FILE))).to.equal(false);
  });

  /** A model saved in m, and another process paused (holding the lock) in the middle of saving over it. */
  async function pausedChildSave(): Promise<{
    m: string;
    old: tfl.Sequential;
    gate: string;
    child: ChildProcess;
    exited: Promise<unknown>;
  }> {
    const m = join(root, 'm');
    const old = small(1);
    await saveModel(old, m);
    const gate = join(root, 'gate');
    const child = spawn(process.execPath, ['--input-type=module', '-e', childSave(m, 9)], {
      env: { ...process.env, RADIXNET_SAVE_PAUSE: gate },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    await until(() => existsSync(`${gate}.paused`), 'the child save to pause');
    return { m, old, gate, child, exited };
  }

  it('serializes writers in two processes: a save waits while another process holds the lock', async () => {
    const { m, old, gate, exited } = await pausedChildSave();
    const mine = small(4);
    let done = false;
    const save = saveModel(mine, m).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done, 'waits for the other process').to.equal(false);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(old));
    writeFileSync(gate, '');
    expect(await exited).to.equal(0);
    await save;
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(mine));
    expect(weightFiles(m)).to.have.length(1);
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`keeps the old model whole when a save over it is stopped by ${signal}, and the next save takes over its lock`, async () => {
      const { m, old, child, exited } = await pausedChildSave();
      child.kill(signal);
      await exited;
      expect(existsSync(join(m, LOCK_FILE)), 'the dead writer left its lock').to.equal(true);
      expect(outputs(await loadModel(m))).to.deep.equal(outputs(old));
      const next = small(4);
      await saveModel(next, m);
      expect(outputs(await loadModel(m))).to.deep.equal(outputs(next));
      expect(weightFiles(m), 'orphans of the killed save are gone').to.have.length(1);
      expect(readdirSync(m).sort()).to.deep.equal(['model.json', weightFiles(m)[0]].sort());
    });
  }
});

describe('model folders: hostile-input-safe loading', function () {
  this.timeout(60000);
  let root: string;
  let good: string;
  let goodJson: Record<string, LooseJson>;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'radixnet-load-'));
    good = join(root, 'good');
    await saveModel(small(5), good);
    goodJson = JSON.parse(readFileSync(join(good, 'model.json'), 'utf8'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  let count = 0;
  /** A copy of the good model with model.json edited by `edit`. */
  function variant(edit: (json: Record<string, LooseJson>, dir: string) => void): string {
    const dir = join(root, `v${count++}`);
    mkdirSync(dir);
    for (const name of weightFiles(good)) copyFileSync(join(good, name), join(dir, name));
    const json = structuredClone(goodJson);
    edit(json, dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return dir;
  }

  async function rejects(dir: string, pattern: RegExp): Promise<void> {
    const err = await failure(loadModel(dir));
    expect(err, err.stack).to.be.instanceOf(InputError);
    expect(err.message).to.match(pattern);
    expect(err.message).not.to.contain('\n');
  }

  it('refuses a model.json without weightsManifest instead of using random weights', async () => {
    await rejects(
      variant((j) => delete j.weightsManifest),
      /model\.json has no weightsManifest/,
    );
    await rejects(
      variant((j) => (j.weightsManifest = [{ paths: [], weights: [] }])),
      /lists no weights/,
    );
  });

  it('refuses a model.json nested 200,000 levels deep with one line, before tfjs walks it', async () => {
    const dir = variant(() => undefined);
    const text = JSON.stringify(goodJson).replace(
      '"modelTopology":',
      `"deep":${'['.repeat(200000)}${']'.repeat(200000)},"modelTopology":`,
    );
    writeFileSync(join(dir, 'model.json'), text);
    await rejects(dir, /model\.json: nests arrays and objects more than 64 deep \(RADIXNET_MAX_JSON_DEPTH\)/);
  });

  it('keeps manifest paths inside the model folder, symbolic links included', async () => {
    await rejects(
      variant((j) => (j.weightsManifest[0].paths = ['../../../../dev/zero'])),
      /weightsManifest\[0\]\.paths\[0\] is "..\/..\/..\/..\/dev\/zero", outside the model folder/,
    );
    await rejects(
      variant((j) => (j.weightsManifest[0].paths = ['/etc/hostname'])),
      /outside the model folder/,
    );
    await rejects(
      variant((j, dir) => {
        symlinkSync('/etc/hostname', join(dir, 'link.bin'));
        j.weightsManifest[0].paths = ['link.bin'];
      }),
      /paths\[0\] links to .*, outside the model folder/,
    );
    await rejects(
      variant((j, dir) => {
        mkdirSync(join(dir, 'sub'));
        j.weightsManifest[0].paths = ['sub'];
      }),
      /not a regular file/,
    );
  });

  it('checks weight files against the manifest shapes before reading: missing, truncated, wrong dtype', async () => {
    await rejects(
      variant((j, dir) => rmSync(join(dir, j.weightsManifest[0].paths[0]))),
      /paths\[0\] names .* which is missing/,
    );
    await rejects(
      variant((j, dir) => truncateSync(join(dir, j.weightsManifest[0].paths[0]), 10)),
      /names files of 10 bytes but its weights' shapes need 160;/,
    );
    await rejects(
      variant((j) => (j.weightsManifest[0].weights[0].dtype = 'float64')),
      /weights\[0\]\.dtype is "float64"/,
    );
    await rejects(
      variant((j) => (j.weightsManifest[0].weights[0].shape = [2 ** 31 - 1, 2 ** 31 - 1])),
      /names files of 160 bytes but its weights' shapes need/,
    );
    await rejects(
      variant((j) => (j.modelTopology.config.layers[0].class_name = 'NoSuchLayer')),
      /cannot rebuild the model saved in .*NoSuchLayer/,
    );
  });

  it('refuses a topology whose layers would take gigabytes to build, before tfjs builds them', async () => {
    const t0 = performance.now();
    await rejects(
      variant((j) => (j.modelTopology.config.layers[0].config.units = 1e9)),
      /modelTopology's layers would take about 37 GiB to build, over the 4\.0 GiB limit/,
    );
    expect(performance.now() - t0).to.be.below(1000);
  });

  it('stops a deflate bomb in the mask bits at the stated size', async () => {
    // 16 MiB of zeros in 16 KiB: uncapped, inflation would return all of it and fail only on the length check
    // ("decode to 16777216 bytes"); capped at the stated shape it stops at once ("decode to no bytes")
    const bomb = deflateRawSync(Buffer.alloc(16 * 2 ** 20));
    const base32 = (bytes: Uint8Array): string => {
      const A = 'abcdefghijklmnopqrstuvwxyz234567';
      let out = '';
      let acc = 0;
      let bits = 0;
      for (const b of bytes) {
        acc = ((acc << 8) | b) & 0xffff;
        bits += 8;
        while (bits >= 5) {
          out += A[(acc >>> (bits - 5)) & 31];
          bits -= 5;
        }
      }
      return out;
    };
    const t0 = performance.now();
    await rejects(
      variant(
        (j) =>
          (j.modelTopology.config.layers[0].config.mask = {
            type: 'bits',
            n_in: 8,
            n_out: 4,
            nnz: 0,
            bits: base32(bomb),
          }),
      ),
      /mask spec bits decode to no bytes but a \[8, 4\] mask needs 4; the saved model is damaged/,
    );
    expect(performance.now() - t0).to.be.below(5000);
  });

  it('survives 300 seeded mutations of model.json fields: each loads or is a one-line InputError', async () => {
    const rng = new Rng(14);
    const values: unknown[] = [
      null,
      -1,
      0,
      1,
      1.5,
      2 ** 31,
      1e12,
      -1e300,
      '',
      'x',
      '../../etc/hostname',
      '/dev/zero',
      [],
      [1e9, 1e9],
      {},
      true,
      { type: 'bits' },
    ];
    const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      v !== null && typeof v === 'object'
        ? [at, ...Object.entries(v as object).flatMap(([k, c]) => paths(c, [...at, Array.isArray(v) ? Number(k) : k]))]
        : [at];
    const all = paths(goodJson).filter((p) => p.length > 0);
    let loaded = 0;
    for (let k = 0; k < 300; k++) {
      const dir = variant((j) => {
        const path = all[rng.int(all.length)];
        let parent: LooseJson = j;
        for (const key of path.slice(0, -1)) parent = parent[key];
        const key = path[path.length - 1];
        if (rng.next() < 0.25) {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        } else parent[key] = structuredClone(values[rng.int(values.length)]);
      });
      try {
        (await loadModel(dir)).dispose();
        loaded++;
      } catch (err) {
        expect(err, `mutation ${k}: ${(err as Error).stack}`).to.be.instanceOf(InputError);
        expect((err as Error).message).not.to.contain('\n');
      }
      rmSync(dir, { recursive: true });
    }
    // mutations of names and metadata load fine; that is allowed, and shows the test reaches a real load
    expect(loaded).to.be.greaterThan(0);
  });
});
