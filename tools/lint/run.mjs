// `npm run lint` / `npm run format:check`: runs eslint or prettier from tools/lint/, installing them there first
// (npm ci, from tools/lint/package-lock.json) when missing. They live apart from the root package because
// typescript-eslint needs the JavaScript TypeScript compiler (< 6.1) while the build uses TypeScript 7, and both are
// installed under the name `typescript`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [tool, ...args] = process.argv.slice(2);
const bins = { eslint: 'eslint', prettier: 'prettier' };
if (!(tool in bins)) {
  console.error(`usage: node tools/lint/run.mjs eslint|prettier [args...]`);
  process.exit(2);
}
const bin = join(here, 'node_modules', '.bin', bins[tool]);
if (!existsSync(bin)) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--prefix', here, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const r = spawnSync(bin, args, { stdio: 'inherit', cwd: join(here, '..', '..') });
process.exit(r.status ?? 1);
