// Writing a figure, page or picture the user asked for: whole or not at all. The bytes go to a temporary file beside
// the target, then a rename puts them in place, so an interrupted write never leaves half a file under the user's name.
// A missing folder is created, as a results file's is.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

/** Writes `data` to `path` atomically, creating its folder; an unwritable place is a one-line InputError naming the path. */
export function writeOutput(path: string, data: string | Uint8Array, what = '--out'): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no temporary file could be made there (a file stands where a folder should)
    }
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InputError(`cannot write ${what} file '${path}' (${code}); choose a path in a writable folder`);
  }
}
