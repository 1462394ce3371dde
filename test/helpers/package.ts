// The package as users get it: `npm pack` of this checkout (already built by `npm test`), made once per test run and
// shared by the tests that install it (the consumer test, the serverless example). npm runs with --prefer-offline
// on the user's npm cache, so packages installed once are not fetched again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * Where the tarball and the installed test projects persist between runs: outside the checkout, so that nothing of
 * its own node_modules is found from them, and one folder per checkout, so that two checkouts never share one.
 */
export const CACHE = join(
  tmpdir(),
  `radixnet-consumer-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
);

let tarball: string | null = null;

/** The path of this checkout packed as radixnet-<version>.tgz. */
export function packedTarball(): string {
  if (tarball) return tarball;
  mkdirSync(CACHE, { recursive: true });
  const name = npm(['pack', ROOT, '--ignore-scripts', '--pack-destination', CACHE, '--silent'], ROOT)
    .trim()
    .split('\n')
    .pop()!;
  tarball = join(CACHE, name);
  return tarball;
}

/** Runs npm in `cwd` and returns its stdout; throws with npm's stderr when it fails. */
export function npm(args: string[], cwd: string): string {
  try {
    return execFileSync('npm', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${e.stderr || e.message}`);
  }
}

/** npm install with the options every test install uses: no audit, no fund, cached packages first. */
export function npmInstall(args: string[], cwd: string): string {
  return npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...args], cwd);
}
