// `radixnet topology`: build one RadiX-Net, print its per-layer structure and sparsities, optionally write the
// dense 0/1 masks as JSON or NPY for other tools.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { formatRadixList, radixNet, type RadixNet, SparseMask } from '../topology/index.js';
import { checkDenseOut, formatBytes, LIMITS } from '../topology/cost.js';
import type { Io } from './io.js';
import { addNetworkOptions, type NetworkOptions } from './options.js';

export interface TopologyOptions extends NetworkOptions {
  /** Write the dense 0/1 masks here (.json, or .npy per layer). */
  denseOut?: string;
  /** Write --dense-out files over the size limit. */
  force: boolean;
}

/** Builds the network, writes its masks when asked, and answers with its per-layer structure. */
export function topologyRun(opts: TopologyOptions, io: Io): void {
  if (opts.denseOut !== undefined) {
    const warning = checkDenseOut(opts.layers, opts.denseOut, opts.force);
    if (warning) io.warn(warning);
  }
  const net = radixNet(opts.radices, opts.layers, { kron: opts.kron });
  if (opts.denseOut !== undefined) {
    for (const path of writeDense(net.masks, opts.denseOut)) io.note(`wrote ${path}`);
  }
  io.result(summary(net), () => table(net));
}

/** Adds `radixnet topology <radices>` to the program. */
export function registerTopology(program: Command, io: Io): void {
  addNetworkOptions(
    program
      .command('topology')
      .description(
        "build a RadiX-Net from a radix list and print each layer's shape, nonzeros, fan-in/fan-out and " +
          'sparsity, plus the overall sparsity and Kronecker sparsity',
      ),
  )
    .option('--json', 'print the result as JSON (docs/cli.md)')
    .option(
      '--dense-out <file>',
      'write the 0/1 masks: FILE.json (array of [n_l][n_{l+1}] arrays) or FILE.npy ' +
        '(uint8; one file per layer, FILE.0.npy, FILE.1.npy, ... when there are several)',
    )
    .option(
      '--force',
      `with --dense-out: write files larger than the limit (RADIXNET_MAX_OUTPUT_BYTES, default ${formatBytes(LIMITS.outputBytes)})`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet topology 10,10/10\n  radixnet topology "[[10],[5,2]]" --kron 80,30,10,1 --json\n' +
        '  radixnet topology 2,2/2 --dense-out masks.npy',
    )
    .action((radices: string, flags: Omit<TopologyOptions, 'radices' | 'force'> & { force?: boolean }) =>
      topologyRun(
        { radices, layers: flags.layers, kron: flags.kron, denseOut: flags.denseOut, force: flags.force === true },
        io,
      ),
    );
}

/** The JSON form of a RadiX-Net's structure (no masks). */
export type TopologySummary = Pick<
  RadixNet,
  'layers' | 'kron' | 'N' | 'sparsity' | 'kroneckerSparsity' | 'layerStats'
> & {
  radices: string;
  list: RadixNet['radices'];
};

function summary(net: RadixNet): TopologySummary {
  return {
    radices: formatRadixList(net.radices),
    list: net.radices,
    layers: net.layers,
    kron: net.kron,
    N: net.N,
    sparsity: net.sparsity,
    kroneckerSparsity: net.kroneckerSparsity,
    layerStats: net.layerStats,
  };
}

function table(net: RadixNet): string {
  const header = ['layer', 'shape', 'nonzeros', 'fan-in min/max', 'fan-out min/max', 'sparsity'];
  const rows = net.layerStats.map((s, l) => [
    String(l),
    `${s.nIn} x ${s.nOut}`,
    String(s.nnz),
    `${s.fanIn.min}/${s.fanIn.max}`,
    `${s.fanOut.min}/${s.fanOut.max}`,
    s.sparsity.toFixed(6),
  ]);
  const widths = header.map((h, k) => rows.reduce((w, r) => Math.max(w, r[k].length), h.length));
  const line = (cells: string[]): string =>
    cells
      .map((c, k) => (k === 0 || k === 1 ? c.padEnd(widths[k]) : c.padStart(widths[k])))
      .join('  ')
      .trimEnd();
  return [
    `RadiX-Net ${formatRadixList(net.radices)} on ${net.layers.join(',')}: N = ${net.N}, Kronecker widths B = ${net.kron.join(',')}`,
    line(header),
    ...rows.map(line),
    `sparsity: ${net.sparsity}`,
    `kronecker sparsity: ${net.kroneckerSparsity}`,
  ].join('\n');
}

/** Writes the dense masks to `file` (.json or .npy) and returns the paths written. */
function writeDense(masks: SparseMask[], file: string): string[] {
  if (file.endsWith('.json')) {
    writeJson(masks, file);
    return [file];
  }
  if (file.endsWith('.npy')) {
    const paths = masks.length === 1 ? [file] : masks.map((_, l) => file.replace(/\.npy$/, `.${l}.npy`));
    masks.forEach((m, l) => writeNpy(m, paths[l]));
    return paths;
  }
  throw new InputError(`--dense-out file '${file}' must end in .json or .npy`);
}

/** An array of masks, each an array of n_l rows of n_{l+1} zeros and ones, written row by row. */
function writeJson(masks: SparseMask[], file: string): void {
  const fd = openFile(file);
  try {
    writeSync(fd, '[');
    masks.forEach((m, l) => {
      const dense = m.toDense();
      writeSync(fd, l === 0 ? '[' : ',\n[');
      for (let i = 0; i < m.nIn; i++) {
        writeSync(fd, `${i === 0 ? '' : ',\n'}[${dense.subarray(i * m.nOut, (i + 1) * m.nOut).join(',')}]`);
      }
      writeSync(fd, ']');
    });
    writeSync(fd, ']\n');
  } finally {
    closeSync(fd);
  }
}

/** NPY v1.0, dtype uint8, C order, shape (n_l, n_{l+1}); the header is padded so the data starts at a multiple of 64. */
function writeNpy(mask: SparseMask, file: string): void {
  const dense = mask.toDense();
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${mask.nIn}, ${mask.nOut}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  const fd = openFile(file);
  try {
    writeAll(fd, preamble);
    writeAll(fd, Buffer.from(header, 'latin1'));
    writeAll(fd, dense);
  } finally {
    closeSync(fd);
  }
}

/** writeSync may write less than asked for (Linux caps one write near 2 GiB). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

function openFile(file: string): number {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, 'w');
  } catch (err) {
    throw new InputError(
      `cannot write --dense-out file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
