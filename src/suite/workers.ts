// A pool of worker threads for sweeps: each worker loads MNIST once, starts one engine and trains the runs it is
// handed, one at a time. Runs go out in plan order to whichever worker is free; results come back as they finish.
import { Worker } from 'node:worker_threads';
import type { Mnist, MnistSplit } from '../data/mnist.js';
import type { Dataset } from '../data/dataset.js';
import type { TrainData } from '../data/source.js';
import { InputError } from '../errors.js';
import type { RunOutcome } from './experiment.js';
import type { PlannedRun } from './plan.js';

export interface WorkerSetup {
  /** Registry name of the experiment (the worker looks its executor up there). */
  experiment: string;
  /** Kernel threads of each worker's engine. */
  threads: number;
  /** MNIST directory (default: the loader's search order). */
  data?: string;
  needsData: boolean;
  /** MNIST already loaded, in shared memory (see shareMnist): the workers read it instead of loading their own. */
  mnist?: Mnist;
  /** The other datasets of the plan by key, in shared memory (see shareData). */
  datasets?: [string, TrainData][];
}

function shared<T extends Float32Array | Uint8Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** A copy of `d` whose arrays live in SharedArrayBuffers, so every worker reads the one copy. */
export function shareData(d: TrainData): TrainData {
  const share = (s: Dataset): Dataset => ({ ...s, x: shared(s.x), y: shared(s.y) });
  return { ...d, train: share(d.train), test: share(d.test) };
}

/** A copy of `m` whose arrays live in SharedArrayBuffers, so every worker reads the one copy. */
export function shareMnist(m: Mnist): Mnist {
  const share = (s: MnistSplit): MnistSplit => {
    const images = new Float32Array(new SharedArrayBuffer(s.images.byteLength));
    images.set(s.images);
    const labels = new Uint8Array(new SharedArrayBuffer(s.labels.byteLength));
    labels.set(s.labels);
    return { images, labels, count: s.count };
  };
  return { ...m, train: share(m.train), test: share(m.test) };
}

/** Messages from a worker. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; index: number; outcome: RunOutcome; wallSeconds: number }
  | { type: 'error'; message: string; input: boolean; stack?: string };

export class WorkerPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` workers and waits until each has loaded its data and engine. */
  static async start(count: number, setup: WorkerSetup): Promise<WorkerPool> {
    const url = new URL('./run-worker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: setup }));
    const pool = new WorkerPool(workers);
    try {
      await Promise.all(
        workers.map((w) =>
          nextReply(w).then((r) => {
            if (r.type !== 'ready') throw replyError(r);
          }),
        ),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /**
   * Executes `runs` (handed out in order), calling onDone as each finishes; the first failure stops handing out. A
   * worker is sent its next run before onDone sees the one it finished, so it trains while this thread writes the
   * record (an fsync of a few milliseconds); after a failure that next run is abandoned unrecorded (close() ends it).
   */
  async run(
    runs: PlannedRun[],
    onDone: (run: PlannedRun, outcome: RunOutcome, wallSeconds: number) => void,
  ): Promise<void> {
    let next = 0;
    let failure: unknown = null;
    const byIndex = new Map(runs.map((r) => [r.index, r]));
    const handOut = (w: Worker): boolean => {
      if (failure !== null || next >= runs.length) return false;
      w.postMessage({ type: 'run', run: runs[next++] });
      return true;
    };
    const drive = async (w: Worker): Promise<void> => {
      let busy = handOut(w);
      while (busy) {
        const reply = await nextReply(w);
        if (reply.type !== 'done') {
          failure ??= replyError(reply);
          return;
        }
        busy = handOut(w);
        try {
          onDone(byIndex.get(reply.index)!, reply.outcome, reply.wallSeconds);
        } catch (err) {
          failure ??= err;
          return;
        }
      }
    };
    await Promise.all(this.workers.map(drive));
    if (failure !== null) throw failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's next message, or its crash as an error. */
function nextReply(w: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: WorkerReply): void => {
      cleanup();
      resolve(m);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`a sweep worker exited with code ${code}`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
  });
}

function replyError(r: WorkerReply): Error {
  if (r.type !== 'error') return new Error(`a sweep worker answered ${r.type} out of turn`);
  const err = r.input ? new InputError(r.message) : new Error(r.message);
  if (r.stack) err.stack = r.stack;
  return err;
}
