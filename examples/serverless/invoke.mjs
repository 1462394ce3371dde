// Invokes the function locally the way a fresh instance would see it, and prints where a cold start spends its time:
// Node starting, loading the handler module (and radixnet), compiling the wasm kernels and starting the engine; then a
// warm train, a predict with the returned model, and a bad request. Run it on the built function (npm run build):
//
//   node invoke.mjs --dir .build/function [--steps 300]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const steps = Number(arg('--steps', 300));
const dir = resolve(arg('--dir', '.'));
const processToImport = performance.now();
const t0 = performance.now();
const { handler, coldStartTimings } = await import(pathToFileURL(`${dir}/handler.mjs`).href);
const moduleMs = performance.now() - t0;
// radixnet's seeded generator draws the datasets: the function's own copy, imported after the timing above, which
// it must not warm
const { Rng } = await import(pathToFileURL(createRequire(join(dir, 'handler.mjs')).resolve('radixnet')).href);
/** 4 classes of 8x8 images: a bright row pair, column pair, diagonal or border, with noise; x in [0, 1]. */
function dataset(n, seed) {
    const rng = new Rng(seed);
    const x = [];
    const y = [];
    for (let s = 0; s < n; s++) {
        const c = rng.int(4);
        const at = rng.int(7);
        const img = [];
        for (let r = 0; r < 8; r++) {
            for (let q = 0; q < 8; q++) {
                const on = c === 0 ? r === at || r === at + 1 : c === 1 ? q === at || q === at + 1 : c === 2 ? r === q : r === 0 || r === 7 || q === 0 || q === 7;
                img.push(Math.min(1, Math.max(0, (on ? 0.8 : 0.1) + 0.2 * (rng.next() - 0.5))));
            }
        }
        x.push(img);
        y.push(c);
    }
    return { x, y };
}
const train = dataset(800, 1);
const test = dataset(200, 2);
const trainRequest = { action: 'train', radices: '4,4/4', layers: [64, 32, 16, 4], x: train.x, y: train.y, steps, batchSize: 32, learningRate: 0.005, seed: 1 };
const body = JSON.stringify(trainRequest);
const tCold = performance.now();
const cold = await handler({ body });
const coldMs = performance.now() - tCold;
const tWarm = performance.now();
const warm = await handler({ body });
const warmMs = performance.now() - tWarm;
const trained = JSON.parse(warm.body);
const tPredict = performance.now();
const predicted = await handler({ body: JSON.stringify({ action: 'predict', model: trained.model, x: test.x }) });
const predictMs = performance.now() - tPredict;
const out = JSON.parse(predicted.body);
const accuracy = out.classes.filter((c, i) => c === test.y[i]).length / test.y.length;
const bad = await handler({ body: JSON.stringify({ ...trainRequest, y: train.y.map((v) => v + 1) }) });
const cs = coldStartTimings();
const ms = (v) => `${v.toFixed(1)} ms`.padStart(9);
const line = (label, value, note = '') => console.log(`${label.padEnd(44)}${value}${note ? `  ${note}` : ''}`);
console.log('cold start');
line('  process start -> handler loaded', ms(processToImport + moduleMs));
line('  of which: load the handler module', ms(moduleMs));
line(`  compile the wasm, start the engine (${cs.threads} thread${cs.threads > 1 ? 's, workers' : ', no workers'})`, ms(cs.engineStartMs));
line(`first invocation: train ${steps} steps`, ms(coldMs), `status ${cold.statusCode}, training itself ${JSON.parse(cold.body).timing.trainMs.toFixed(1)} ms`);
line(`warm invocation: train ${steps} steps`, ms(warmMs), `status ${warm.statusCode}, loss ${trained.loss.toFixed(4)}, train accuracy ${trained.accuracy.toFixed(3)}`);
line(`predict ${test.y.length} held-out samples`, ms(predictMs), `status ${predicted.statusCode}, accuracy ${accuracy.toFixed(3)}`);
line('bad request (label 4 of 4 classes)', `   status ${bad.statusCode}`, bad.body);
console.log(`request body ${(body.length / 1024).toFixed(0)} KiB; returned model ${(JSON.stringify(trained.model).length / 1024).toFixed(1)} KiB`);
