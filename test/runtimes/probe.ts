// Run by scripts/runtimes.mjs under each runtime (Node, Bun, Deno): computes results whose bits must not depend on
// the runtime where the kernels are the same build, and prints them as SHA-256 digests, one JSON line on stdout.
// The matrix compares every runtime's digests with Node's. Checks that can fail on their own (1 and 2 threads give
// the same bits, the handler answers 200) are checked here and reported as errors.
//
//   <runtime> dist/test/runtimes/probe.js HANDLER_DIR    # HANDLER_DIR holds handler.mjs, radixnet resolvable from it
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine } from '../../src/engine/engine.js';
import { Mlp } from '../../src/engine/mlp.js';
import { notices, runtimeName } from '../../src/kernels/notice.js';
import { kernelVariant } from '../../src/kernels/wasm.js';
import { Rng } from '../../src/random.js';
import { radixNet } from '../../src/topology/radixnet.js';

const digests: Record<string, string> = {};
const errors: Record<string, string> = {};

function digest(...parts: (ArrayBufferView | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 16);
}

async function step(name: string, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    errors[name] = String((err as Error)?.stack ?? err)
      .split('\n')
      .slice(0, 3)
      .join(' | ');
  }
}

/** 300 Adam steps of a 64-32-16-4 RadiX-Net on seeded data: the weights and the last loss, as bits. */
async function train(threads: number): Promise<{ params: Float32Array; loss: Float64Array; engineThreads: number }> {
  const engine = await Engine.create({ threads, adaptive: false });
  try {
    const layers = [64, 32, 16, 4];
    const net = radixNet('4,4/4', layers);
    const mlp = new Mlp(engine, {
      layers,
      masks: net.masks,
      seed: 7,
      batchSize: 32,
      optimizer: { name: 'adam', lr: 0.005 },
    });
    const rng = new Rng(11);
    const n = 256;
    const x = rng.fillNormal(new Float32Array(n * 64));
    const y = Int32Array.from({ length: n }, (_, b) => (x[b * 64] > 0 ? 1 : 0) + (x[b * 64 + 1] > 0 ? 2 : 0));
    const order = rng.permutation(n);
    let loss = 0;
    for (let s = 0; s < 300; s++) loss = mlp.trainStepOn(x, y, order, (s * 32) % n, 32).loss;
    const params = mlp.parameters().slice();
    mlp.dispose();
    return { params, loss: Float64Array.of(loss), engineThreads: engine.threads };
  } finally {
    engine.close();
  }
}

let threads = 0;
await step('engine', async () => {
  const one = await train(1);
  const two = await train(2);
  threads = two.engineThreads;
  digests.engine = digest(one.params, one.loss);
  if (digest(two.params, two.loss) !== digests.engine)
    throw new Error(`${two.engineThreads} threads gave other bits than 1 thread`);
});

await step('tfjs op', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { Mask, radixMatMul, useBackend } = await import('../../src/tfjs/index.js');
  await useBackend('cpu');
  const rng = new Rng(5);
  const mask = Mask.random(48, 24, 0.25, 3);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(16 * 48)), [16, 48]);
  const w = tf.tensor2d(rng.fillNormal(new Float32Array(48 * 24)), [48, 24]);
  const f = (a: typeof x, b: typeof w) => tf.sum(tf.square(radixMatMul(a, b, mask)));
  const [dx, dw] = tf.grads(f as (...a: unknown[]) => typeof x)([x, w]);
  digests['tfjs op'] = digest(
    radixMatMul(x, w, mask).dataSync() as Float32Array,
    dx.dataSync() as Float32Array,
    dw.dataSync() as Float32Array,
  );
});

await step('serverless handler', async () => {
  const dir = process.argv[2];
  if (!dir) throw new Error('no handler folder given');
  const { handler } = (await import(pathToFileURL(join(dir, 'handler.mjs')).href)) as {
    handler: (e: unknown) => Promise<{ statusCode: number; body: string }>;
  };
  const rng = new Rng(3);
  const x = Array.from({ length: 64 }, () => Array.from({ length: 6 }, () => rng.next()));
  const y = x.map((row) => (row[0] > 0.5 ? 1 : 0));
  const trained = await handler({
    body: JSON.stringify({
      action: 'train',
      radices: '2,2/2',
      layers: [6, 16, 16, 2],
      x,
      y,
      steps: 100,
      batchSize: 16,
      learningRate: 0.01,
      seed: 3,
    }),
  });
  if (trained.statusCode !== 200) throw new Error(`train answered ${trained.statusCode}: ${trained.body}`);
  const model = JSON.parse(trained.body).model;
  const predicted = await handler({ body: JSON.stringify({ action: 'predict', model, x }) });
  if (predicted.statusCode !== 200) throw new Error(`predict answered ${predicted.statusCode}: ${predicted.body}`);
  const bad = await handler({
    body: JSON.stringify({ action: 'train', radices: '2,2/2', layers: [6, 16, 16, 2], x, y: y.map(() => 2) }),
  });
  if (bad.statusCode !== 400) throw new Error(`a label out of range answered ${bad.statusCode}, not 400`);
  digests['serverless handler'] = digest(model.weights, JSON.stringify(JSON.parse(predicted.body).probabilities));
});

console.log(
  JSON.stringify({
    runtime: runtimeName(),
    node: process.versions.node,
    variant: kernelVariant(),
    threads,
    notices: notices(),
    digests,
    errors,
  }),
);
