// Save locks that tell a dead holder from a live one when pids are reused (a restarted container's PID 1) or belong to
// another PID namespace, and strict parsing of the environment overrides of limits and waits.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { currentOwner, isDead, processStart, tryLock } from '../src/data/file-lock.js';
import { InputError } from '../src/errors.js';
import { radixModel, saveModel, loadModel } from '../src/tfjs/model.js';
import { LOCK_FILE } from '../src/tfjs/model-folder.js';
import { envNumber, LIMITS } from '../src/topology/cost.js';

const MODEL_TS = fileURLToPath(new URL('../src/tfjs/model.js', import.meta.url));
const small = (seed: number): tfl.Sequential => radixModel({ radices: '2/2', layers: [8, 4, 2], seed, compile: false });
const X = tf.ones([2, 8]);
const outputs = (m: tfl.LayersModel): number[] => Array.from((m.predict(X) as tf.Tensor).dataSync());

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

/** Runs `fn` with environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('save locks across pid reuse and PID namespaces', function () {
  this.timeout(60000);
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'radixnet-lock-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("takes over at once a lock whose pid now belongs to another process (a restarted container's PID 1)", async function () {
    if (processStart(process.pid) === null) this.skip(); // no /proc: pids are all a lock can hold here
    const m = join(root, 'm');
    await saveModel(small(1), m);
    // the dead holder had this very pid (alive now: this process), but started at another time
    writeFileSync(
      join(m, LOCK_FILE),
      JSON.stringify({ ...currentOwner(), start: '1', since: Date.now() - 5000 }) + '\n',
    );
    const t0 = Date.now();
    await withEnv({ RADIXNET_SAVE_LOCK_WAIT_MS: '0' }, () => saveModel(small(2), m));
    expect(Date.now() - t0).to.be.below(5000);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(small(2)));
    expect(existsSync(join(m, LOCK_FILE))).to.equal(false);
  });

  it('waits for a holder in another PID namespace while it touches the lock, and takes it once it goes silent', async () => {
    const m = join(root, 'm');
    mkdirSync(m);
    const lock = join(m, LOCK_FILE);
    const other = { ...currentOwner(), pidNs: 'pid:[1]', pid: 1, start: '5' };
    writeFileSync(lock, JSON.stringify(other) + '\n');
    const saved = LIMITS.lockStaleMs;
    LIMITS.lockStaleMs = 2000;
    try {
      const err = await withEnv({ RADIXNET_SAVE_LOCK_WAIT_MS: '300' }, () => failure(saveModel(small(3), m)));
      expect(err).to.be.instanceOf(InputError);
      expect(err.message).to.match(
        new RegExp(
          `^another process, pid 1 on host .*, has been saving a model into ${m} for 0 s or more \\(RADIXNET_SAVE_LOCK_WAIT_MS=300\\); wait for it, or delete`,
        ),
      );
      // silent for longer than lockStaleMs: its holder is gone
      const past = new Date(Date.now() - 3000);
      utimesSync(lock, past, past);
      await withEnv({ RADIXNET_SAVE_LOCK_WAIT_MS: '0' }, () => saveModel(small(3), m));
      expect(existsSync(lock)).to.equal(false);
    } finally {
      LIMITS.lockStaleMs = saved;
    }
  });

  it('a holder killed inside a real PID namespace (unshare) is taken over by the next save in a fresh one', async function () {
    const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) {
      console.log(
        `      (skipped: unshare --pid --fork --mount-proc does not work here: ${(probe.stderr || probe.error?.message || '').trim().split('\n')[0]})`,
      );
      this.skip();
    }
    const m = join(root, 'm');
    await saveModel(small(1), m);
    const gate = join(root, 'gate');
    const script = (
      seed: number,
    ): string => `const { radixModel, saveModel } = await import(${JSON.stringify(MODEL_TS)});
      await saveModel(radixModel({ radices: '2/2', layers: [8, 4, 2], seed: ${seed}, compile: false }), ${JSON.stringify(m)});`;
    const env = { ...process.env, RADIXNET_LOCK_STALE_MS: '1500' };
    // the first holder: PID 1 of its namespace, paused mid-save holding the lock, then killed
    const child = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '--input-type=module', '-e', script(7)],
      { env: { ...env, RADIXNET_SAVE_PAUSE: gate }, stdio: 'ignore' },
    );
    const exited = new Promise((r) => child.on('exit', r));
    for (const t0 = Date.now(); !existsSync(`${gate}.paused`); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - t0 > 30000) throw new Error('the namespaced save never paused');
    }
    expect(readFileSync(`${gate}.paused`, 'utf8')).to.equal('1');
    // alive and touching its lock: a save from here (another namespace) waits, then gives up naming pid 1
    const live = await withEnv({ RADIXNET_SAVE_LOCK_WAIT_MS: '2500', RADIXNET_LOCK_STALE_MS: '1500' }, () =>
      failure(saveModel(small(4), m)),
    );
    expect(live.message).to.match(/^another process, pid 1 on host /);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(m, LOCK_FILE)), 'the killed save left its lock').to.equal(true);
    // the next holder is PID 1 of a new namespace too: the lock names "pid 1", yet is stale
    const t0 = Date.now();
    const next = spawnSync(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '--input-type=module', '-e', script(8)],
      { env: { ...env, RADIXNET_SAVE_LOCK_WAIT_MS: '20000' }, encoding: 'utf8', timeout: 40000 },
    );
    expect(next.status, next.stderr).to.equal(0);
    expect(Date.now() - t0).to.be.below(15000);
    expect(outputs(await loadModel(m))).to.deep.equal(outputs(small(8)));
    expect(existsSync(join(m, LOCK_FILE))).to.equal(false);
  });

  it('judges holders: exact on this kernel and namespace, by silence elsewhere', () => {
    const me = currentOwner();
    expect(isDead(me, 10 ** 9, 1000, me), 'this live process').to.equal(false);
    if (me.start !== null) {
      expect(isDead({ ...me, start: `${Number(me.start) + 1}` }, 0, 1000, me), 'same pid, other start time').to.equal(
        true,
      );
      expect(isDead({ ...me, pid: 2 ** 22 + 12345 }, 0, 1000, me), 'no such pid').to.equal(true);
    }
    expect(
      isDead({ ...me, host: 'elsewhere', bootId: 'other' }, 999, 1000, me),
      'another host, touched lately',
    ).to.equal(false);
    expect(isDead({ ...me, host: 'elsewhere', bootId: 'other' }, 1001, 1000, me), 'another host, silent').to.equal(
      true,
    );
    expect(isDead(null, 999, 1000, me), 'not a lock of ours, fresh').to.equal(false);
  });

  it('a second tryLock in this process sees the first as live; release frees it', () => {
    const path = join(root, 'x.lock');
    const a = tryLock(path, 30000);
    expect('release' in a).to.equal(true);
    const b = tryLock(path, 30000);
    expect('release' in b).to.equal(false);
    expect((b as { holder: string }).holder).to.match(new RegExp(`^pid ${process.pid} on host `));
    (a as { release(): void }).release();
    expect(existsSync(path)).to.equal(false);
  });
});

describe('environment overrides are parsed strictly', () => {
  const range = { min: 0, max: 86_400_000, integer: true };
  it('refuses 1e400, garbage, negatives and fractions, naming the variable and the range', () => {
    for (const text of ['1e400', 'Infinity', 'abc', '-1', '1.5', '0x10', '12ms']) {
      expect(
        () => envNumber('RADIXNET_SAVE_LOCK_WAIT_MS', 120000, range, { RADIXNET_SAVE_LOCK_WAIT_MS: text }),
        text,
      ).to.throw(
        InputError,
        `RADIXNET_SAVE_LOCK_WAIT_MS is '${text}'; give a whole number from 0 to 86400000 (or unset it for the default, 120000)`,
      );
    }
  });

  it('takes 0 as 0 (not the default), plain numbers and exponents, and unset or empty as the default', () => {
    expect(envNumber('V', 120000, range, { V: '0' })).to.equal(0);
    expect(envNumber('V', 120000, range, { V: ' 2500 ' })).to.equal(2500);
    expect(envNumber('V', 120000, range, { V: '2e3' })).to.equal(2000);
    expect(envNumber('V', 120000, range, {})).to.equal(120000);
    expect(envNumber('V', 120000, range, { V: '' })).to.equal(120000);
  });

  it('RADIXNET_THREADS takes whole numbers from 1 to 64 only (0x10, 1e1 and 4x refused)', async () => {
    const { resolveThreads } = await import('../src/kernels/pool.js');
    for (const text of ['0x10', '1e1.5', '4x', '0', '65']) {
      await withEnv({ RADIXNET_THREADS: text }, async () => {
        expect(() => resolveThreads(), text).to.throw(
          InputError,
          new RegExp(`^RADIXNET_THREADS is '${text}'; give a whole number from 1 to 64`),
        );
      });
    }
    await withEnv({ RADIXNET_THREADS: '2' }, async () => expect(resolveThreads()).to.equal(2));
  });

  it('a save with RADIXNET_SAVE_LOCK_WAIT_MS=1e400 fails at once with that message; a limit override likewise in the CLI', async () => {
    const root = mkdtempSync(join(tmpdir(), 'radixnet-env-'));
    try {
      const err = await withEnv({ RADIXNET_SAVE_LOCK_WAIT_MS: '1e400' }, () =>
        failure(saveModel(small(1), join(root, 'm'))),
      );
      expect(err).to.be.instanceOf(InputError);
      expect(err.message).to.match(/^RADIXNET_SAVE_LOCK_WAIT_MS is '1e400'; give a whole number from 0 to 86400000/);
      const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
      writeFileSync(join(root, 'r.jsonl'), '{}\n');
      const r = spawnSync(process.execPath, [cli, 'summarize', join(root, 'r.jsonl')], {
        encoding: 'utf8',
        env: { ...process.env, RADIXNET_MAX_RESULTS_BYTES: '1e400' },
      });
      expect(r.status).to.equal(2);
      expect(r.stderr.trim()).to.equal(
        `radixnet: RADIXNET_MAX_RESULTS_BYTES is '1e400'; give a whole number from 1 to ${Number.MAX_SAFE_INTEGER} (or unset it for the default, ${2 ** 30})`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
