import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchOptions } from '../bench/options.js';

const RUN = fileURLToPath(new URL('../bench/run.js', import.meta.url));

describe('npm run bench options', () => {
  it('parses the flags, and --help or a wrong option into what to print and the exit code', () => {
    expect(parseBenchOptions([])).to.deep.equal({
      quick: false,
      noTfjs: false,
      noTorch: false,
      json: false,
      runtimes: false,
      training: false,
    });
    expect(parseBenchOptions(['--quick', '--no-torch', '--json'])).to.deep.equal({
      quick: true,
      noTfjs: false,
      noTorch: true,
      json: true,
      runtimes: false,
      training: false,
    });
    expect(parseBenchOptions(['--quick', '--training'])).to.include({ quick: true, training: true });
    expect(parseBenchOptions(['-h'])).to.deep.equal({ exit: 0, stdout: BENCH_USAGE });
    const bad = parseBenchOptions(['--fast']);
    expect(bad).to.include({ exit: 2 });
    expect((bad as { stderr: string }).stderr).to.match(/^bench: Unknown option '--fast'.*\nusage: npm run bench/);
    expect(parseBenchOptions(['extra'])).to.include({ exit: 2 });
  });

  it('the bench script prints its usage for --help and refuses a wrong option with exit 2, measuring nothing', () => {
    const help = spawnSync(process.execPath, [RUN, '--help'], { encoding: 'utf8', timeout: 60000 });
    expect([help.status, help.stdout, help.stderr]).to.deep.equal([0, BENCH_USAGE, '']);
    const bad = spawnSync(process.execPath, [RUN, '--nonesuch'], { encoding: 'utf8', timeout: 60000 });
    expect(bad.status).to.equal(2);
    expect(bad.stdout).to.equal('');
    expect(bad.stderr).to.match(/^bench: Unknown option '--nonesuch'/);
    expect(bad.stderr).to.not.match(/\n\s+at /);
  });
});
