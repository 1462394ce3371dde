// NumPy's .npy format (numpy.lib.format, versions 1-3): the magic \x93NUMPY, a version, a header length (2 bytes in
// version 1, 4 in 2 and 3), an ASCII Python dict {'descr': '<f4', 'fortran_order': False, 'shape': (n, f), } padded
// so the data starts on a 16/64-byte boundary, then the values in C order. Only what a dataset needs is read: features
// as float32, float64 or uint8, labels as any integer type, little-endian or single-byte.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

export interface NpyArray {
  /** numpy's dtype string, e.g. `<f4`, `|u1`, `<i8`. */
  descr: string;
  shape: number[];
  /** The values in C order, as the dtype's typed array (int64 as BigInt64Array). */
  data:
    | Float32Array
    | Float64Array
    | Uint8Array
    | Int8Array
    | Int16Array
    | Uint16Array
    | Int32Array
    | Uint32Array
    | BigInt64Array
    | BigUint64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyArray['data'];
  BYTES_PER_ELEMENT: number;
};
const TYPES: Record<string, Ctor> = {
  f4: Float32Array,
  f8: Float64Array,
  u1: Uint8Array,
  i1: Int8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
};

/** Reads and parses an .npy file; `file` names it in errors. */
export function readNpy(file: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
  return parseNpy(bytes, file);
}

/** Parses the bytes of an .npy file. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new InputError(`${file}: not an .npy file (no \\x93NUMPY magic); save the array with numpy.save`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3)
    throw new InputError(
      `${file}: .npy format version ${major}.${bytes[7]} is not supported (1.0 to 3.0 are); save it with numpy.save`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : 0;
  const start = 8 + lenBytes;
  if (headerLen === 0 || start + headerLen > bytes.length)
    throw new InputError(`${file}: truncated .npy header; the file is incomplete: save it again`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLen).toString(
    major === 3 ? 'utf8' : 'latin1',
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(
      `${file}: .npy header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape (structured arrays are not supported); save a plain numeric array`,
    );
  }
  if (fortran === 'True')
    throw new InputError(`${file}: array is in Fortran order; save numpy.ascontiguousarray(x) instead`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0))
    throw new InputError(`${file}: .npy shape (${shapeText}) is not a list of sizes`);
  const order = descr[0];
  const kind = descr.slice(1);
  const Type = TYPES[kind];
  if (!Type || !(order === '<' || order === '|' || (order === '>' && Type.BYTES_PER_ELEMENT === 1) || order === '=')) {
    throw new InputError(
      `${file}: dtype '${descr}' is not supported (features: float32, float64 or uint8; labels: integers; little-endian); convert with x.astype('<f4') or y.astype('<i4')`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * Type.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart !== need) {
    const how = bytes.length - dataStart < need ? 'truncated' : 'has trailing bytes';
    throw new InputError(
      `${file}: shape (${shape.join(', ')}) of ${descr} needs ${need} data bytes, the file has ${bytes.length - dataStart} (${how}); save it again`,
    );
  }
  // a typed array over the file's own bytes when aligned (numpy pads the header so it is), else over a copy
  const offset = bytes.byteOffset + dataStart;
  const data =
    offset % Type.BYTES_PER_ELEMENT === 0
      ? new Type(bytes.buffer, offset, count)
      : new Type(bytes.slice(dataStart).buffer, 0, count);
  return { descr, shape, data };
}
