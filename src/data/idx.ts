// The idx format the MNIST files come in (as LeCun et al. distribute them): a big-endian header, then the values.
//   magic (4 bytes: 0x00 0x00 <type> <ndim>), then ndim uint32 sizes, then prod(sizes) values, nothing after.
// MNIST uses type 0x08 (unsigned byte): images are magic 2051 (3 dims: count, rows, cols), labels 2049 (1 dim).
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.js';

/** Magic number of an idx file of ubyte images [count][rows][cols]. */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an idx file of ubyte labels [count]. */
export const IDX_LABELS_MAGIC = 2049;

/** One parsed idx file: its sizes and its values (a view into the decoded bytes, row-major). */
export interface IdxFile {
  magic: number;
  /** e.g. [60000, 28, 28] for images, [60000] for labels. */
  dims: number[];
  /** prod(dims) unsigned bytes. */
  data: Uint8Array;
}

// No MNIST file inflates beyond 47 MB; a cap keeps a corrupt or hostile .gz from eating all memory.
const MAX_GUNZIPPED_BYTES = 1 << 30;

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes as they are, or gunzipped when they start with the gzip magic; `name` (a path) is for errors. */
export function gunzipIfGzip(bytes: Uint8Array, name: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
  } catch (err) {
    throw new InputError(
      `${name}: is not a valid gzip file (${(err as Error).message}); replace it with an intact copy (see SOURCE.md for checksums)`,
    );
  }
}

/**
 * Parses one idx file, raw or gzipped (detected by content, not by name). `expectMagic` is IDX_IMAGES_MAGIC or
 * IDX_LABELS_MAGIC; a different magic, a zero size, or a byte length that differs from what the header implies
 * (truncated or trailing bytes) is an InputError naming `name`.
 */
export function parseIdx(bytes: Uint8Array, name: string, expectMagic: number): IdxFile {
  const buf = gunzipIfGzip(bytes, name);
  const what = (m: number): string =>
    m === IDX_IMAGES_MAGIC ? `${m} (idx images)` : m === IDX_LABELS_MAGIC ? `${m} (idx labels)` : String(m);
  if (buf.length < 4) {
    throw new InputError(
      `${name}: only ${buf.length} bytes, too short for an idx header; expected an idx file with magic ${what(expectMagic)}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    throw new InputError(
      `${name}: magic number is ${what(magic)}, expected ${what(expectMagic)}; is this the right file?`,
    );
  }
  const ndim = magic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new InputError(`${name}: truncated idx header: ${buf.length} bytes, the header alone needs ${headerBytes}`);
  }
  const dims: number[] = [];
  let values = 1;
  for (let i = 0; i < ndim; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    if (n === 0) throw new InputError(`${name}: idx size ${i} is 0 (sizes must be at least 1)`);
    dims.push(n);
    values *= n;
  }
  const expected = headerBytes + values;
  if (buf.length !== expected) {
    const how =
      buf.length < expected ? `truncated by ${expected - buf.length} bytes` : `${buf.length - expected} trailing bytes`;
    throw new InputError(
      `${name}: header says ${dims.join('x')} values, so the ${isGzip(bytes) ? 'decompressed ' : ''}file should have ` +
        `${expected} bytes, but it has ${buf.length} (${how}); replace it with an intact copy`,
    );
  }
  return { magic, dims, data: buf.subarray(headerBytes) };
}

/** The idx type codes, by their byte in the magic (only 0x08 holds a dataset this reader takes). */
const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/**
 * Parses an idx file of unsigned bytes of any shape (EMNIST, KMNIST and Fashion-MNIST ship as MNIST does): samples
 * [count][...] when `role` is 'samples' (2 or more dimensions), labels [count] when 'labels' (1 dimension).
 */
export function parseIdxUbyte(bytes: Uint8Array, name: string, role: 'samples' | 'labels'): IdxFile {
  const buf = gunzipIfGzip(bytes, name);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new InputError(
      `${name}: not an idx file (its magic number does not start with two zero bytes); give the idx files as shipped (raw or .gz)`,
    );
  }
  const type = buf[2];
  const ndim = buf[3];
  if (type !== 0x08) {
    throw new InputError(
      `${name}: idx values are ${IDX_TYPES[type] ?? `of unknown type 0x${type.toString(16)}`}; only unsigned bytes (type 0x08) are read: convert the file, or save it as .npy`,
    );
  }
  if (role === 'labels' ? ndim !== 1 : ndim < 2) {
    throw new InputError(
      `${name}: an idx file of ${ndim} dimension${ndim === 1 ? '' : 's'}, but ${role === 'labels' ? 'labels need 1 (count)' : 'samples need 2 or more (count, features...)'}; is this the ${role === 'labels' ? 'labels' : 'images'} file?`,
    );
  }
  return parseIdx(buf, name, (type << 8) | ndim);
}
