import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The same source text up to formatting: whitespace, quote style and trailing commas are prettier's business.
const unformatted = (s: string): string =>
  s
    .replace(/\s+/g, '')
    .replace(/"/g, "'")
    .replace(/,([)\]}])/g, '$1');

describe('the measured counts diagnose prints', () => {
  it('are the ones the results files kept in docs/strange-models give (scripts/strange-measured.sh writes the same file)', function () {
    this.timeout(60000);
    const r = spawnSync('bash', ['scripts/strange-measured.sh'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/const RISK_COUNTS/);
    const committed = readFileSync(`${root}/src/analysis/strange-measured.ts`, 'utf8');
    expect(unformatted(r.stdout)).to.equal(unformatted(committed));
  });
});
