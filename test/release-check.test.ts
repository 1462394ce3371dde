// `npm run release:check --quick` (what the packed tarball holds: files, exports, bin, types, no install script, a
// CHANGELOG entry for the version) passes on this checkout; the full check (fresh ESM, CommonJS and TypeScript
// projects, `radixnet train` from the installed package, the README's sizes within 10%) takes minutes and is run
// before a publish (prepublishOnly).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/package.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('release check (quick: the tarball)', function () {
  this.timeout(120000);

  it('passes every check of what npm publish would upload, one line each', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'release-check.mjs'), '--quick'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL'))).to.deep.equal([]);
    expect(lines.filter((l) => l.startsWith('ok    ')).map((l) => l.slice(6).split(':')[0])).to.deep.equal([
      'the tarball holds the built package',
      'every exports target, bin, main and types is in the tarball, each .js with its .d.ts',
      'no install script',
      `CHANGELOG.md has an entry for ${VERSION}, Keep a Changelog style`,
      'engines and files as released',
    ]);
    expect(lines[lines.length - 1]).to.equal(
      `release check: all passed for radixnet ${VERSION} (radixnet-${VERSION}.tgz)`,
    );
  });
});
