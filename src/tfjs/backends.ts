// Which tfjs backends this process can run, and switching between them quietly.
//
// We import tfjs-core, -layers and -backend-cpu rather than the @tensorflow/tfjs bundle: it loads faster (docs/performance.md,
// design measurements) and leaves out webgl, the converter and tfjs-data, which Node never uses. The wasm backend is
// imported only when asked for (importing it makes it the default backend), and tfjs-node only through a dynamic
// import, because its installer downloads libtensorflow and it is often absent.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; the tfjs-layers bundle registers them all (as @tensorflow/tfjs does)
import { version_layers } from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { checkOneTfjsCopy, checkTfjsVersion, installedVersion, ourTfjsCore } from './peer.js';

/** The backends radixnet knows how to start: tfjs' own JS (`cpu`), tfjs' XNNPACK wasm (`wasm`), tfjs-node (`tensorflow`). */
export const KNOWN_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;
export type BackendName = (typeof KNOWN_BACKENDS)[number];

const require = createRequire(import.meta.url);

checkTfjsVersion('@tensorflow/tfjs-core', tf.version_core, ourTfjsCore);
checkTfjsVersion('@tensorflow/tfjs-layers', version_layers, 'beside it');
checkOneTfjsCopy();

// The cpu backend is an optional peer: tfjs-node or wasm users may not have it. tfjs' own umbrella package brings it.
export const cpuBackendMissing: string | null = (() => {
  const version = installedVersion('@tensorflow/tfjs-backend-cpu');
  if (version === null)
    return `@tensorflow/tfjs-backend-cpu is not installed: \`npm install @tensorflow/tfjs-backend-cpu@${tf.version_core}\` (the version of your tfjs-core)`;
  checkTfjsVersion('@tensorflow/tfjs-backend-cpu', version, 'beside tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  return null;
})();

// The cpu backend prints an "install tfjs-node" banner on its first tensor. Users chose this backend (or have no
// other); the banner is noise in a CLI table. tfjs may create the backend more than once (tf.getBackend re-runs the
// factories when none is active yet), so mark the first use done on any existing instance and on every future one.
silenceCpuBanner();

function silenceCpuBanner(): void {
  type Cpu = tf.KernelBackend & { firstUse?: boolean };
  const engine = tf.engine();
  const existing = engine.registry.cpu as Cpu | undefined;
  if (existing && 'firstUse' in existing) existing.firstUse = false;
  const entry = engine.registryFactory.cpu as { factory: () => Cpu; silenced?: boolean } | undefined;
  if (!entry || entry.silenced) return;
  const make = entry.factory;
  entry.factory = () => {
    const backend = make();
    if ('firstUse' in backend) backend.firstUse = false;
    return backend;
  };
  entry.silenced = true;
}

let wasmLoaded: Promise<void> | null = null;
let nodeLoaded: Promise<string | null> | null = null;

/** Loads @tensorflow/tfjs-backend-wasm and points it at its .wasm files (once). Single-threaded in Node. */
function loadWasm(): Promise<void> {
  wasmLoaded ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // setWasmPaths wants a directory prefix with a trailing slash; in Node it is read as a file path
    wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  })();
  return wasmLoaded;
}

/**
 * Tries to load @tensorflow/tfjs-node (which registers the `tensorflow` backend). Resolves to null when it loaded,
 * else to the reason it is unavailable, in words a user can act on.
 */
export function loadTfjsNode(): Promise<string | null> {
  nodeLoaded ??= (async () => {
    // a variable specifier: the package is optional, so TypeScript must not look for its types
    const specifier = '@tensorflow/tfjs-node';
    try {
      await import(specifier);
      return tf.findBackendFactory('tensorflow')
        ? null
        : '@tensorflow/tfjs-node loaded but registered no "tensorflow" backend (a second copy of tfjs-core?)';
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        return '@tensorflow/tfjs-node is not installed (its installer downloads libtensorflow, so it needs network access at install time): `npm install @tensorflow/tfjs-node` to add it';
      }
      return `@tensorflow/tfjs-node is installed but failed to load: ${(err as Error).message.split('\n')[0]}`;
    }
  })();
  return nodeLoaded;
}

/** Whether `name` can run here: null when it can, else why not. Loads the backend's package as a side effect. */
export async function backendUnavailable(name: string): Promise<string | null> {
  if (name === 'cpu') return cpuBackendMissing;
  if (name === 'wasm') {
    try {
      await loadWasm();
      return null;
    } catch (err) {
      if (installedVersion('@tensorflow/tfjs-backend-wasm') === null) {
        return `@tensorflow/tfjs-backend-wasm is not installed: \`npm install @tensorflow/tfjs-backend-wasm@${tf.version_core}\` (the version of your tfjs-core)`;
      }
      return `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (name === 'tensorflow') return loadTfjsNode();
  if (tf.findBackendFactory(name)) return null;
  return `unknown tfjs backend "${name}": radixnet runs on ${KNOWN_BACKENDS.join(', ')} (or any backend you register with tf.registerBackend first)`;
}

/**
 * Makes `name` the active tfjs backend (`cpu`, `wasm`, `tensorflow`, or one registered by the caller) and waits until
 * it is ready. Throws an InputError saying why when it cannot run here.
 */
export async function useBackend(name: string): Promise<void> {
  const why = await backendUnavailable(name);
  if (why) throw new InputError(`tfjs backend "${name}" is not available: ${why}`);
  const ok = await tf.setBackend(name);
  if (!ok)
    throw new InputError(`tfjs backend "${name}" failed to initialize (tf.setBackend returned false); use cpu instead`);
}

/** The active tfjs backend's name. */
export function currentBackend(): string {
  return tf.getBackend();
}
