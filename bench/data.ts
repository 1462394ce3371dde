// Data loading and training on a user's dataset: MNIST's 60,000 training images written as a CSV (label and 784
// pixel columns, a header, 110 MB) and as an .npy pair, each loaded as `radixnet train --data` loads it (wall and CPU
// time, and the peak resident size of a process doing only that against the float32 copy); then the paper's model trained on that CSV and
// on MNIST itself, alternately in one process, to compare the samples per second of the same engine on the two.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadData, type DataSpec } from '../src/data/source.js';
import type { Mnist } from '../src/data/mnist.js';
import { trainMnist, PAPER_PRESET } from '../src/suite/mnist-train.js';

export interface LoadRow {
  format: string;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  /** Peak resident set of a process that only loads the data (MB), and the float32 features' size (MB). */
  peakRssMb: number;
  float32Mb: number;
}

export interface UserTrainingRow {
  data: string;
  threads: number;
  trainSamples: number;
  /** Samples per second of the later epochs' training steps, best of the repeats. */
  samplesPerSecond: number;
}

/** The MNIST training images as bytes 0..255 (rows) and labels. */
function pixels(mnist: Mnist): { x: Uint8Array; y: Uint8Array; n: number } {
  const n = mnist.train.count;
  const src = mnist.train.images;
  const x = new Uint8Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(src[i] * 255);
  return { x, y: mnist.train.labels, n };
}

/** Writes `label,p0..p783` and one row per image, streamed in blocks (the bench does not hold the text whole). */
function writeCsv(path: string, x: Uint8Array, y: Uint8Array, n: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, ['label', ...Array.from({ length: 784 }, (_, k) => `p${k}`)].join(',') + '\n');
    for (let start = 0; start < n; start += 1000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(n, start + 1000); i++)
        lines.push(`${y[i]},${x.subarray(i * 784, i * 784 + 784).join(',')}`);
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** An .npy file (format 1.0) of a little-endian array. */
function writeNpy(path: string, descr: string, shape: number[], bytes: Uint8Array): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), bytes]));
}

const SOURCE_JS = fileURLToPath(new URL('../src/data/source.js', import.meta.url));

/**
 * Loads `spec` in a fresh Node process, so its peak resident size is the load's alone (Node itself, the float32 copy,
 * the file's stream) and its times are not the bench's.
 */
function timedLoad(format: string, bytes: number, spec: DataSpec): LoadRow {
  const code = `
    const { loadData } = await import(${JSON.stringify(pathToFileURL(SOURCE_JS).href)});
    const { readFileSync } = await import('node:fs');
    // VmHWM: this process' own peak (getrusage's maxrss keeps the forking parent's across exec on Linux)
    const peak = () => {
      try {
        return Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      } catch {
        return process.resourceUsage().maxRSS / 1024;
      }
    };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const d = await loadData(${JSON.stringify(spec)});
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6,
      peakRssMb: peak(),
      float32Mb: ((d.train.count + d.test.count) * d.train.features * 4) / 2 ** 20 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading the ${format} failed: ${r.stderr}`);
  return { format, bytes, ...(JSON.parse(r.stdout) as Omit<LoadRow, 'format' | 'bytes'>) };
}

export async function benchData(
  mnist: Mnist,
  opts: { quick: boolean; threads: number; log: (s: string) => void },
): Promise<{ loads: LoadRow[]; training: UserTrainingRow[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-bench-data-'));
  try {
    const { x, y, n } = pixels(mnist);
    const csv = join(dir, 'mnist_train.csv');
    writeCsv(csv, x, y, n);
    const xs = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) xs[i] = x[i] / 255;
    const npyX = join(dir, 'x.npy');
    const npyY = join(dir, 'y.npy');
    writeNpy(npyX, '<f4', [n, 784], new Uint8Array(xs.buffer));
    writeNpy(npyY, '<i8', [n], new Uint8Array(BigInt64Array.from(y, (v) => BigInt(v)).buffer));
    const loads = [
      timedLoad('CSV', statSync(csv).size, { data: csv, scale: '255' }),
      timedLoad('.npy pair', statSync(npyX).size + statSync(npyY).size, { data: npyX, labels: npyY, scale: 'none' }),
    ];
    const csvData = await loadData({ data: csv, scale: '255' });

    // the same model and protocol on MNIST (54,000 training rows) and on the CSV (43,200: a fifth held out for test)
    const config = { ...PAPER_PRESET, epochs: 2, threads: opts.threads };
    const rate = async (hooks: Parameters<typeof trainMnist>[1]): Promise<{ rate: number; samples: number }> => {
      const r = await trainMnist({ ...config, ...(hooks?.data ? { hidden: [300, 100] } : {}) }, hooks);
      return { rate: r.history[1].samplesPerSecond, samples: r.dataset!.trainSamples };
    };
    const best = { mnist: { rate: 0, samples: 0 }, csv: { rate: 0, samples: 0 } };
    for (let k = 0; k < (opts.quick ? 1 : 3); k++) {
      const m = await rate({ mnist });
      const c = await rate({ data: csvData });
      if (m.rate > best.mnist.rate) best.mnist = m;
      if (c.rate > best.csv.rate) best.csv = c;
    }
    const training: UserTrainingRow[] = [
      { data: 'MNIST', threads: opts.threads, trainSamples: best.mnist.samples, samplesPerSecond: best.mnist.rate },
      {
        data: 'CSV (MNIST pixels)',
        threads: opts.threads,
        trainSamples: best.csv.samples,
        samplesPerSecond: best.csv.rate,
      },
    ];
    return { loads, training };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
