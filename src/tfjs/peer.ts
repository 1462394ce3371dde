// TensorFlow.js is a peer of radixnet: the user's own @tensorflow/tfjs-core is the one radixnet runs on. Two things
// go wrong when it is not one copy in the supported range, and both fail late and obscurely inside tfjs (173 "kernel
// already registered" warnings, "x and kernel must be tf.Tensors" in the middle of model.fit). So they are checked
// here, up front, with the paths and the fix in the message.
//
// Why copies can be told apart: every copy of tfjs-core shares one global engine and kernel registry, but each has
// its own classes. Node loads tfjs-core's CommonJS bundle (its package has no "exports"), so every copy loaded by
// import or require sits in the one module cache, keyed by its real path.
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';

/** The oldest @tensorflow/tfjs-core (and -layers, -backend-*) radixnet runs on; the peer range is >= this, < 5. */
export const MIN_TFJS = '4.0.0';
/** The peer range, as package.json states it. */
export const TFJS_RANGE = `>=${MIN_TFJS} <5`;

const require = createRequire(import.meta.url);
const CORE_DIR = `${sep}@tensorflow${sep}tfjs-core${sep}`;

/** The folder of the tfjs-core copy radixnet imported. */
export const ourTfjsCore: string = realDir(dirname(require.resolve('@tensorflow/tfjs-core/package.json')));

function realDir(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Whether `version` (x.y.z) is in TFJS_RANGE. */
export function tfjsVersionSupported(version: string): boolean {
  const [major, minor, patch] = version.split(/[.-]/).map(Number);
  const [m0, n0, p0] = MIN_TFJS.split('.').map(Number);
  if (major !== m0) return false;
  return minor > n0 || (minor === n0 && patch >= p0);
}

/** Throws an InputError when `version` of `pkg` (at `where`) is outside the peer range. */
export function checkTfjsVersion(pkg: string, version: string, where: string): void {
  if (!tfjsVersionSupported(version)) {
    throw new InputError(
      `radixnet/tfjs runs on ${pkg} ${TFJS_RANGE}, but ${version} is installed (${where}); ` +
        `install a supported version, e.g. \`npm install @tensorflow/tfjs@^4.22.0\` (or the packages you use at one 4.x version)`,
    );
  }
}

let seenModules = -1;
let copies: string[] = [];

/** The folders of every tfjs-core copy loaded in this process (ours first). */
export function loadedTfjsCores(): string[] {
  const keys = Object.keys(require.cache);
  if (keys.length === seenModules) return copies;
  seenModules = keys.length;
  const found = new Set<string>([ourTfjsCore]);
  for (const key of keys) {
    const at = key.lastIndexOf(CORE_DIR);
    if (at >= 0) found.add(realDir(key.slice(0, at + CORE_DIR.length - 1)));
  }
  copies = [...found];
  return copies;
}

/** Why radixnet cannot run tfjs here (two copies of tfjs-core), or null when it can. */
export function tfjsCopiesProblem(): string | null {
  const cores = loadedTfjsCores();
  if (cores.length < 2) return null;
  const others = cores.slice(1).map((dir) => `${dir} (${versionAt(dir)})`);
  return (
    `two copies of @tensorflow/tfjs-core are loaded: ${ourTfjsCore} (${tf.version_core}, the one radixnet/tfjs imports) and ${others.join(' and ')}; ` +
    `tensors and kernels of one are not the other's. Keep one copy: \`npm ls @tensorflow/tfjs-core\` shows who brings each; ` +
    `install one tfjs version in radixnet's peer range (${TFJS_RANGE}) and run \`npm dedupe\``
  );
}

/** Throws an InputError when a second copy of tfjs-core is loaded. */
export function checkOneTfjsCopy(): void {
  const problem = tfjsCopiesProblem();
  if (problem) throw new InputError(problem);
}

function versionAt(dir: string): string {
  try {
    return (require(`${dir}/package.json`) as { version: string }).version;
  } catch {
    return 'version unknown';
  }
}

/** The version of an installed package radixnet can see, or null when it is not installed. */
export function installedVersion(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}
