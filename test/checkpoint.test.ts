// train --checkpoint-every and --resume through the CLI: a run stopped (or killed) after an epoch and resumed saves
// the weights a run never stopped saves, bit for bit; a checkpoint of other options or data, or a damaged one, is
// refused in one line; a writer killed mid-checkpoint leaves the good checkpoint in place. The data is a CSV numpy
// wrote (test/fixtures/make-data.py). Pauses inside the writer come from its RADIXNET_SAVE_PAUSE hook, not timing.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKPOINT_FILE } from '../src/suite/checkpoint.js';
import { LOCK_FILE } from '../src/tfjs/model-folder.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CSV = fileURLToPath(new URL('../../test/fixtures/data/no-header.csv', import.meta.url));
const BASE = ['train', '--data', CSV, '--label-column', '-1', '--hidden', '6', '--radices', 'dense', '--batch', '2'];
const ENV = { ...process.env, CI: '1', RADIXNET_THREADS: '1' };

function run(args: string[], env: NodeJS.ProcessEnv = ENV): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...BASE, ...args], { encoding: 'utf8', timeout: 60000, env });
}

/** The saved model's weights file. */
function weights(dir: string): Buffer {
  const name = readdirSync(dir).find((n) => /^weights-.*\.bin$/.test(n));
  expect(name, `a weights file in ${dir}`).to.be.a('string');
  return readFileSync(join(dir, name!));
}

function ok(r: ReturnType<typeof run>): { history: { epoch: number; loss: number }[]; final: object } {
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout).data;
}

function refused(r: ReturnType<typeof run>, ...fragments: string[]): void {
  expect(r.status, r.stderr).to.equal(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).to.have.length(1);
  for (const f of fragments) expect(lines[0]).to.include(f);
}

describe('train checkpoints (CLI)', function () {
  this.timeout(120000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'radixnet-checkpoint-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const variants: [string, string[]][] = [
    ['Adam', ['--bias']],
    ['SGD with momentum', ['--optimizer', 'sgd', '--lr', '0.1', '--momentum', '0.9']],
    ['Adam with early stopping', ['--early-stopping', '10', '--lr', '0.05']],
  ];
  for (const [name, opts] of variants) {
    it(`a run stopped after epoch 2 and resumed to epoch 5 saves the weights of a run never stopped (${name})`, () => {
      const whole = join(root, 'whole');
      const parts = join(root, 'parts');
      const a = ok(run([...opts, '--epochs', '5', '--save', whole, '--json']));
      ok(run([...opts, '--epochs', '2', '--save', parts, '--checkpoint-every', '1', '--json']));
      expect(existsSync(join(parts, CHECKPOINT_FILE))).to.equal(true);
      const b = ok(run([...opts, '--epochs', '5', '--resume', parts, '--checkpoint-every', '2', '--json']));
      expect(weights(parts).equals(weights(whole)), 'saved weights bit for bit').to.equal(true);
      expect(b.history.map((e) => e.epoch)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(b.history.map((e) => e.loss)).to.deep.equal(a.history.map((e) => e.loss));
      expect(b.final).to.deep.equal(a.final);
    });
  }

  it('a writer killed between writing a checkpoint and putting it in place leaves the good one, which resumes', async () => {
    const whole = join(root, 'whole');
    const dir = join(root, 'm');
    ok(run(['--epochs', '5', '--save', whole, '--json']));
    ok(run(['--epochs', '2', '--save', dir, '--checkpoint-every', '1', '--json']));
    const good = readFileSync(join(dir, CHECKPOINT_FILE));
    const gate = join(root, 'gate');
    const child = spawn(process.execPath, [CLI, ...BASE, '--epochs', '5', '--resume', dir, '--checkpoint-every', '1'], {
      env: { ...ENV, RADIXNET_SAVE_PAUSE: gate },
      stdio: 'ignore',
    });
    const exited = new Promise((done) => child.on('exit', done));
    for (let t = 0; !existsSync(`${gate}.paused`); t++) {
      if (t > 3000) throw new Error('the writer never paused');
      await new Promise((r) => setTimeout(r, 10));
    }
    // paused with the epoch-3 checkpoint written to its temporary file, holding the lock
    const temps = readdirSync(dir).filter((n) => n.startsWith(`.${CHECKPOINT_FILE}.tmp-`));
    expect(temps).to.have.length(1);
    child.kill('SIGKILL');
    await exited;
    expect(readFileSync(join(dir, CHECKPOINT_FILE)).equals(good), 'the good checkpoint in place').to.equal(true);
    // the next run takes over the dead writer's lock, resumes from epoch 2 and removes what the killed one left
    const r = ok(run(['--epochs', '5', '--resume', dir, '--checkpoint-every', '1', '--json']));
    expect(r.history).to.have.length(5);
    expect(weights(dir).equals(weights(whole))).to.equal(true);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-') || n === LOCK_FILE)).to.deep.equal([]);
  });

  it('refuses a checkpoint of other options or data, a damaged or missing one, and one with nothing left to train', () => {
    const dir = join(root, 'm');
    ok(run(['--epochs', '2', '--save', dir, '--checkpoint-every', '1', '--json']));
    const good = readFileSync(join(dir, CHECKPOINT_FILE));
    refused(run(['--epochs', '4', '--resume', dir, '--lr', '0.01']), CHECKPOINT_FILE, 'lr 0.001', 'this run has 0.01');
    refused(run(['--epochs', '4', '--resume', dir, '--seed', '5']), 'seed');
    refused(run(['--epochs', '4', '--resume', dir, '--hidden', '7']), 'layers');
    // the same shape of data with each row's first value changed (written here: only the difference matters)
    const other = join(root, 'other.csv');
    writeFileSync(other, readFileSync(CSV, 'utf8').replace(/^[^,\n]+/gm, '0.5'));
    const r = spawnSync(
      process.execPath,
      [CLI, ...BASE.map((a) => (a === CSV ? other : a)), '--epochs', '4', '--resume', dir],
      { encoding: 'utf8', timeout: 60000, env: ENV },
    );
    refused(r, 'trained on other data');
    refused(run(['--epochs', '2', '--resume', dir]), 'at epoch 2', '--epochs above 2');
    refused(run(['--epochs', '4', '--resume', join(root, 'none')]), 'no checkpoint in');
    refused(run(['--epochs', '4', '--checkpoint-every', '1']), '--checkpoint-every', '--save');
    // damaged copies: cut short, and one byte of a weight changed
    const cut = join(root, 'cut');
    mkdirSync(cut);
    copyFileSync(join(dir, CHECKPOINT_FILE), join(cut, CHECKPOINT_FILE));
    truncateSync(join(cut, CHECKPOINT_FILE), good.length - 3);
    refused(run(['--epochs', '4', '--resume', cut]), 'is damaged', 'truncated');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    writeFileSync(join(cut, CHECKPOINT_FILE), flipped);
    refused(run(['--epochs', '4', '--resume', cut]), 'is damaged', 'SHA-256');
    // nothing refused touched the checkpoint
    expect(readFileSync(join(dir, CHECKPOINT_FILE)).equals(good)).to.equal(true);
  });
});
