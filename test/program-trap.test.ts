// A trap (here an out-of-bounds access from a bad kernel record) in one thread of a fused, threaded kernel program must
// reach the caller as an error, never leave the other threads waiting at a barrier for a chunk that will never be
// done. Each case runs in a child process with a time limit, so a hang fails the test instead of stalling the run.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./helpers/program-trap-child.js', import.meta.url));
const LIMIT_MS = 60000;

interface Trial {
  trial: number;
  trapped: 'worker' | 'main' | 'none';
  message: string;
  closed: boolean;
}

function run(threads: number, where: 'worker' | 'any', trials: number): Trial[] {
  const r = spawnSync(process.execPath, [CHILD, String(threads), where, String(trials)], {
    encoding: 'utf8',
    timeout: LIMIT_MS,
  });
  if (r.signal) throw new Error(`the trapping program hung (killed after ${LIMIT_MS} ms): ${r.stdout}${r.stderr}`);
  expect(r.stderr).to.equal('');
  expect(r.status).to.equal(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).to.have.length(trials);
  return lines.map((l) => JSON.parse(l) as Trial);
}

describe('a trap inside a kernel program', function () {
  this.timeout(LIMIT_MS + 10000);

  it('on one thread, reaches the caller as the wasm error', () => {
    const [t] = run(1, 'any', 1);
    expect(t.trapped).to.equal('main');
    expect(t.message).to.match(/memory access out of bounds/);
  });

  it('in a worker while the main thread will wait for it at a barrier, reaches the caller and closes the pool', () => {
    for (const t of run(2, 'worker', 3)) {
      expect(t.trapped).to.equal('worker');
      expect(t.message).to.match(/memory access out of bounds/);
      expect(t.closed).to.equal(true);
    }
  });

  it('in whichever thread claims the chunk, reaches the caller and closes the pool', () => {
    for (const t of run(2, 'any', 3)) {
      expect(t.trapped).to.not.equal('none');
      expect(t.message).to.match(/memory access out of bounds/);
      expect(t.closed).to.equal(true);
    }
  });
});
