// PyTorch CPU training the same LeNet-300-100 epochs side by side in the same bench run (bench/pytorch_lenet.py),
// when `python3 -c "import torch"` works; otherwise the bench says why it skipped it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTopology } from './training.js';

export interface PytorchRow {
  topology: string;
  threads: number;
  /** Median of full epochs (54,000 samples, batch 100, Adam), ms. */
  epochMs: number;
  /** Trained with torch.set_flush_denormal(True): subnormals read and written as zero (false: PyTorch's default). */
  flushDenormal: boolean;
}

export type PytorchResult = { rows: PytorchRow[]; version: string } | { skipped: string };

const PYTHON = process.env.PYTHON ?? 'python3';

/** Why PyTorch cannot run here, or null when it can (its version in `version`). */
function probe(): { version: string } | { skipped: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return { skipped: `${PYTHON} not found (${r.error.message}); set PYTHON to a Python with torch` };
  if (r.status !== 0) return { skipped: `${PYTHON} cannot import torch (pip install torch to compare)` };
  return { version: r.stdout.trim() };
}

/**
 * Trains one epoch per repeat of each topology in PyTorch on (x, y): x [n, 784] float32 row-major, y n labels.
 * Masks travel as dense 0/1 files; the Python side multiplies weights by them in every forward pass.
 */
export function benchPytorch(
  x: Float32Array,
  y: Uint8Array,
  topologies: BenchTopology[],
  opts: { threads: number; repeats: number },
): PytorchResult {
  const found = probe();
  if ('skipped' in found) return found;
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-bench-torch-'));
  try {
    const file = (name: string, data: Float32Array | Uint8Array): string => {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    };
    const layers = [784, 300, 100, 10];
    const job = {
      threads: opts.threads,
      repeats: opts.repeats,
      layers,
      samples: y.length,
      x: file('x.f32', x),
      y: file('y.u8', y),
      topologies: topologies.map((t, i) => ({
        name: t.name,
        masks: t.masks.map((m, l) => (m ? file(`m${i}-${l}.u8`, m.toDense()) : null)),
      })),
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'pytorch_lenet.py');
    const r = spawnSync(PYTHON, [script, jobFile], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) return { skipped: `PyTorch run failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}` };
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PytorchRow);
    return { rows, version: found.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
