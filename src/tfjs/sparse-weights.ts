// What radixnet writes into a saved tfjs model: a radixDense kernel is stored as its mask's nonzeros only (the mask
// itself is already in model.json, as its recipe or bits), so the weights file is about nnz * 4 bytes instead of
// nIn * nOut * 4. Everything else (Dense layers, biases, optimizer state) stays in tfjs' own dense layout.
//
// The file format, versioned by `radixnet.format` at the top of model.json:
//   1 (or no field): plain tfjs, every weight dense. What radixnet wrote before, and what any tfjs loader reads.
//   2: a packed kernel's manifest entry is {name, shape: [nnz], dtype: 'float32', radixnet: {packed: 'mask-nonzeros',
//      shape: [nIn, nOut]}}, its values the kernel at the mask's connections in CSR order: output by output, inputs
//      ascending within an output. A plain tfjs loader meets shape [nnz] where the layer wants [nIn, nOut] and stops
//      with a shape-mismatch error instead of reading wrong weights.
// A model saved by a newer format is refused with an error naming both versions, never half-read.
import type * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import { Mask, type MaskSpec } from './mask.js';

/** The model.json format version this radixnet writes (and the newest it reads). */
export const MODEL_FORMAT = 2;
const PACKED = 'mask-nonzeros';

/** The top-level model.json field that carries the format version. */
export interface FormatField {
  radixnet?: { format?: number };
}

interface PackedEntry extends tf.io.WeightsManifestEntry {
  radixnet?: { packed: string; shape: [number, number] };
}

/** Throws an InputError when `json` (a parsed model.json at `where`) was written in a format newer than this radixnet reads. */
export function checkModelFormat(json: FormatField, where: string): void {
  const format = json.radixnet?.format ?? 1;
  if (!Number.isInteger(format) || format < 1)
    throw new InputError(
      `${where} has radixnet.format ${JSON.stringify(format)}; it must be an integer >= 1 (a damaged model.json?)`,
    );
  if (format > MODEL_FORMAT) {
    throw new InputError(
      `${where} was saved in radixnet model format ${format}, but this radixnet reads formats 1 to ${MODEL_FORMAT}: upgrade radixnet (npm install radixnet@latest) to load it`,
    );
  }
}

/** The masks of the model's radixDense layers, by kernel weight name (`<layer name>/kernel`). */
function kernelMasks(topology: unknown): Map<string, Mask> {
  const masks = new Map<string, Mask>();
  const layers = (topology as { config?: { layers?: unknown } } | null)?.config?.layers;
  if (!Array.isArray(layers)) return masks;
  for (const layer of layers as { class_name?: string; config?: { name?: string; mask?: Record<string, unknown> } }[]) {
    if (layer?.class_name !== 'RadixDense' || typeof layer.config?.name !== 'string' || !layer.config.mask) continue;
    // tfjs snake_cases config keys on save (nIn -> n_in) and camelCases them on load; we read the file's form
    masks.set(`${layer.config.name}/kernel`, Mask.decode(camelKeys(layer.config.mask) as unknown as MaskSpec));
  }
  return masks;
}

function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Byte size of an entry's data, or null when it is not a plain fixed-size one (quantized, strings). */
function entryBytes(e: tf.io.WeightsManifestEntry): number | null {
  if (e.quantization || !(e.dtype in BYTES)) return null;
  return e.shape.reduce((p, n) => p * n, 1) * BYTES[e.dtype];
}

/** One buffer holding `data` (one buffer or several) end to end. */
export function concatBuffers(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

/**
 * The weights to write for `artifacts`: radixDense kernels as their mask's nonzeros, everything else as tfjs gave it.
 * A kernel holding a nonzero off its mask (which radixDense never lets happen) is kept dense: nothing is ever lost.
 */
export function packWeights(artifacts: tf.io.ModelArtifacts): {
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
} {
  const specs = artifacts.weightSpecs ?? [];
  const data = concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
  const masks = kernelMasks(artifacts.modelTopology);
  if (masks.size === 0 || specs.some((e) => entryBytes(e) === null)) return { weightSpecs: specs, weightData: data };
  const outSpecs: PackedEntry[] = [];
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const e of specs) {
    const bytes = entryBytes(e)!;
    const raw = new Uint8Array(data, at, bytes);
    at += bytes;
    const mask = masks.get(e.name);
    const packed =
      mask && e.dtype === 'float32' && e.shape.length === 2 && e.shape[0] === mask.nIn && e.shape[1] === mask.nOut
        ? gatherNonzeros(new Float32Array(data.slice(raw.byteOffset, raw.byteOffset + bytes)), mask)
        : null;
    if (packed) {
      outSpecs.push({
        name: e.name,
        shape: [mask!.nnz],
        dtype: 'float32',
        radixnet: { packed: PACKED, shape: [mask!.nIn, mask!.nOut] },
      });
      parts.push(new Uint8Array(packed.buffer));
    } else {
      outSpecs.push(e);
      parts.push(raw);
    }
  }
  return { weightSpecs: outSpecs, weightData: concatBuffers(parts.map((p) => p.slice().buffer)) };
}

/** The kernel's values at the mask's connections (CSR order), or null when a value off the mask is not zero. */
function gatherNonzeros(kernel: Float32Array, mask: Mask): Float32Array | null {
  const { rowPtr, colIdx, nOut } = mask.sparse;
  const out = new Float32Array(mask.nnz);
  let kept = 0;
  for (let o = 0; o < nOut; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      out[k] = kernel[colIdx[k] * nOut + o];
      if (out[k] !== 0) kept++;
    }
  }
  let all = 0;
  for (let i = 0; i < kernel.length; i++) if (kernel[i] !== 0) all++;
  return all === kept ? out : null;
}

/**
 * The dense weights tfjs expects from weights as written (either format): packed kernels are scattered back to
 * [nIn, nOut] with zeros off the mask; any other entry passes through. `where` names the file in errors.
 */
export function unpackWeights(
  topology: unknown,
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  where: string,
): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  if (!(specs as PackedEntry[]).some((e) => e.radixnet)) return { weightSpecs: specs, weightData: data };
  const masks = kernelMasks(topology);
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: ArrayBuffer[] = [];
  let at = 0;
  for (const e of specs as PackedEntry[]) {
    const bytes = entryBytes(e);
    if (bytes === null)
      throw new InputError(
        `${where}: weight ${e.name} is quantized or not numeric; radixnet's packed format has only float32 entries beside packed kernels`,
      );
    if (at + bytes > data.byteLength)
      throw new InputError(
        `${where}: the weights files hold ${data.byteLength} bytes, fewer than the manifest lists (damaged or truncated)`,
      );
    const raw = data.slice(at, at + bytes);
    at += bytes;
    if (!e.radixnet) {
      outSpecs.push(e);
      parts.push(raw);
      continue;
    }
    const mask = masks.get(e.name);
    if (!mask) {
      // its layer is no radixDense (any more): left packed, tfjs refuses it when it rebuilds that layer
      outSpecs.push(e);
      parts.push(raw);
      continue;
    }
    const [nIn, nOut] = e.radixnet.shape ?? [];
    if (
      e.radixnet.packed !== PACKED ||
      mask.nIn !== nIn ||
      mask.nOut !== nOut ||
      e.shape.length !== 1 ||
      e.shape[0] !== mask.nnz
    ) {
      throw new InputError(
        `${where}: weight ${e.name} is packed (${JSON.stringify(e.radixnet)}, shape [${e.shape.join(', ')}]) but its layer's mask does not match it (damaged model.json?)`,
      );
    }
    const values = new Float32Array(raw);
    const dense = new Float32Array(nIn * nOut);
    const { rowPtr, colIdx } = mask.sparse;
    for (let o = 0; o < nOut; o++)
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) dense[colIdx[k] * nOut + o] = values[k];
    outSpecs.push({ name: e.name, shape: [nIn, nOut], dtype: 'float32' });
    parts.push(dense.buffer);
  }
  return { weightSpecs: outSpecs, weightData: concatBuffers(parts) };
}
