#!/usr/bin/env node
// The installed `radixnet` command (package.json `bin`). It checks the runtime before loading anything else: the
// program's imports are all linked before any of its code runs, so on a Node below the floor a missing API would fail
// there with an error that names neither the version found nor the one needed. This file imports only node:fs.
import { readFileSync } from 'node:fs';

denoPermissions();
const floor = nodeFloor();
const found = process.versions.node;
if (compareVersions(found, floor) < 0) {
  // Bun and Deno report the Node version they are compatible with (process.versions.node), so one floor serves all
  const runtime = process.versions.bun
    ? `Bun ${process.versions.bun} (Node ${found} compatible)`
    : process.versions.deno
      ? `Deno ${process.versions.deno} (Node ${found} compatible)`
      : `Node ${found}`;
  process.stderr.write(
    `radixnet: needs Node >= ${floor}, found ${runtime}; install a current Node (https://nodejs.org) and run it again\n`,
  );
  process.exit(2);
}
await import('./main.js');

/**
 * Deno runs Node programs but grants nothing by default: without read and env access the first file read would fail
 * with a stack trace (or prompt, file by file, on a terminal). Say what to pass instead.
 */
function denoPermissions(): void {
  const deno = (globalThis as { Deno?: { permissions: { querySync(p: { name: string }): { state: string } } } }).Deno;
  if (!deno) return;
  const missing = ['read', 'env'].filter((name) => deno.permissions.querySync({ name }).state !== 'granted');
  if (missing.length === 0) return;
  process.stderr.write(
    `radixnet: Deno has not granted ${missing.map((m) => `--allow-${m}`).join(' and ')}: run it as \`deno run -A <radixnet's bin.js> ...\` (radixnet reads its kernels, MNIST and settings, and writes results)\n`,
  );
  process.exit(2);
}

/** The floor of package.json `engines.node` (">=20.19.0"): one place says which Node radixnet needs. */
function nodeFloor(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  };
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node.trim());
  if (!m) throw new Error(`package.json engines.node must read ">=X.Y.Z", got ${JSON.stringify(pkg.engines.node)}`);
  return m[1];
}

/** Compares dotted numeric versions: negative when a < b. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((s) => parseInt(s, 10) || 0);
  const pb = b.split('.').map((s) => parseInt(s, 10) || 0);
  for (let k = 0; k < 3; k++) if (pa[k] !== pb[k]) return (pa[k] ?? 0) - (pb[k] ?? 0);
  return 0;
}
