// The body of a sweep worker thread (see workers.ts): set up once, then execute each run it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadMnist } from '../data/mnist.js';
import { Engine } from '../engine/engine.js';
import { InputError } from '../errors.js';
import type { RunContext } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import type { PlannedRun } from './plan.js';
import { runOne } from './runner.js';
import type { WorkerReply, WorkerSetup } from './workers.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const reply = (m: WorkerReply): void => port.postMessage(m);
const fail = (err: unknown): void =>
  reply({
    type: 'error',
    message: (err as Error)?.message ?? String(err),
    input: err instanceof InputError,
    stack: (err as Error)?.stack,
  });

try {
  const exp = getExperiment(setup.experiment);
  // the pool's starter loaded the plan's data (setup.mnist, setup.datasets); MNIST only if it did not say
  const mnist =
    setup.needsData && !setup.datasets
      ? (setup.mnist ?? (await loadMnist({ dir: setup.data })))
      : (setup.mnist ?? null);
  const engine = setup.needsData ? await Engine.create({ threads: setup.threads }) : undefined;
  const ctx: RunContext = { mnist, datasets: new Map(setup.datasets ?? []), threads: engine?.threads ?? 1, engine };
  port.on('message', async (m: { type: 'run'; run: PlannedRun }) => {
    try {
      const t0 = performance.now();
      const outcome = await runOne(exp, m.run, ctx);
      reply({ type: 'done', index: m.run.index, outcome, wallSeconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      fail(err);
    }
  });
  reply({ type: 'ready' });
} catch (err) {
  fail(err);
}
