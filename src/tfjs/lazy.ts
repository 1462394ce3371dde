// The way into radixnet/tfjs for code that must also run without TensorFlow.js installed (the CLI, the suite):
// tfjs is a peer dependency, so a CLI or serverless install may lack it, and a command that needs it says exactly
// what to install instead of failing on a module path. This file imports nothing from tfjs itself.
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';

const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu'] as const;

/** The tfjs packages radixnet/tfjs needs that are not installed, and the version to install them at. */
export function missingTfjs(): { missing: string[]; version: string } {
  const require = createRequire(import.meta.url);
  const versions = TFJS_PACKAGES.map((pkg) => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return null;
    }
  });
  // tfjs' packages each require the others at exactly their own version
  const version = versions.find((v) => v !== null) ?? '^4.22.0';
  return { missing: TFJS_PACKAGES.filter((_, k) => versions[k] === null), version };
}

/**
 * Runs `load` (a dynamic import of radixnet/tfjs code); when TensorFlow.js is not installed, throws an InputError
 * saying that `what` needs it and the exact `npm install` line.
 */
export async function importTfjs<T>(what: string, load: () => Promise<T>): Promise<T> {
  const { missing, version } = missingTfjs();
  if (missing.length > 0) {
    throw new InputError(
      `${what} needs TensorFlow.js, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed: ` +
        `\`npm install ${missing.map((p) => `${p}@${version}`).join(' ')}\` (or \`npm install @tensorflow/tfjs@${version}\`)`,
    );
  }
  return load();
}
