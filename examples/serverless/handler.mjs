// A serverless function (AWS Lambda style: `(event) => response`) that trains a RadiX-Net on a posted small dataset,
// or predicts with a posted model. It uses the engine directly, not tfjs: a cold start pays for loading this module,
// compiling our 16 KB of wasm and starting the kernel workers, and nothing else.
//
//   POST {"action": "train", "radices": "4,4/4", "layers": [64, 32, 16, 4], "x": [[...64 numbers], ...], "y": [0, 3, ...],
//         "steps": 200, "batchSize": 32, "learningRate": 0.001, "seed": 1}
//     -> 200 {"model": {...}, "loss": ..., "accuracy": ..., "history": [{"step", "loss", "accuracy"}], "timing": {...}}
//   POST {"action": "predict", "model": <the model from train>, "x": [[...], ...]}
//     -> 200 {"classes": [...], "probabilities": [[...], ...], "timing": {...}}
//   Anything else -> 400 {"error": "<what was wrong, the value seen, what is allowed>"}
//   A well-formed request whose numbers do not hold (a posted model whose outputs overflow float32, training that
//   diverges) -> 422 {"error": "..."}: never a 200 carrying NaN or Infinity, never a 500 for anything a client sent.
//
// Plain ESM JavaScript that imports only radixnet's public entry, so the folder deploys as it is: `npm run build`
// zips this file with its production node_modules (build.mjs); the Lambda handler string is `handler.handler`.
import { Engine, InputError, Mlp, Rng, radixNet } from 'radixnet';
/** What one request may ask for; every limit is checked before any work starts. */
export const LIMITS = {
    /** Lambda's synchronous payload limit. */
    bodyBytes: 6 * 2 ** 20,
    layerCount: 8,
    layerSize: 4096,
    /** Connections of all masks together (parameters stored and trained). */
    parameters: 4_000_000,
    samples: 10_000,
    steps: 10_000,
    batchSize: 1024,
    /** steps * batchSize * connections: about 3 multiply-adds each (forward, dX, dW); 2e10 is ~10 s on 2 cores. */
    work: 2e10,
    historyPoints: 100,
    /** Lambda's synchronous response limit: a response that would be larger is refused before any work. */
    responseBytes: 6 * 2 ** 20,
    /** Nesting of arrays and objects in the body (a request needs 3: body, x, a row). */
    jsonDepth: 16,
};
/** A request that is well-formed but whose numbers cannot give an answer: 422 Unprocessable Content. */
class UnprocessableError extends InputError {
}
/** JSON bytes of one probability (float32 printed by JSON.stringify, with its comma, at most). */
const PROBABILITY_BYTES = 24;
const moduleReadyAt = performance.now();
let engine = null;
let coldStart = null;
/** The cold-start breakdown, once the first request has started the engine. */
export function coldStartTimings() {
    return coldStart;
}
function startEngine() {
    engine ??= (async () => {
        const t0 = performance.now();
        // one thread unless RADIXNET_THREADS says otherwise: the models a request can post are small, and on them a
        // second thread's dispatch costs more than it saves (measured: 300 steps of 64-32-16-4 take 31 ms on 1 thread,
        // 60-270 ms on 2), and no workers means no worker start on the cold path
        const e = await Engine.create({ threads: process.env.RADIXNET_THREADS ? undefined : 1 });
        coldStart = { moduleReadyAt, engineStartMs: performance.now() - t0, threads: e.threads };
        return e;
    })();
    return engine;
}
/** The function entry point: never throws; bad requests get a 400 with a one-line reason. */
export async function handler(event) {
    try {
        const request = parseBody(event);
        const action = request.action;
        if (action === 'train')
            return respond(200, await train(request));
        if (action === 'predict')
            return respond(200, await predict(request));
        throw new InputError(`action must be "train" or "predict", got ${JSON.stringify(action)}`);
    }
    catch (err) {
        if (err instanceof UnprocessableError)
            return respond(422, { error: err.message });
        if (err instanceof InputError)
            return respond(400, { error: err.message });
        console.error(err);
        return respond(500, { error: 'internal error' });
    }
}
function respond(statusCode, body) {
    return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
// --- actions ------------------------------------------------------------------------------------------------
async function train(req) {
    const topo = topology(req);
    const classes = topo.layers[topo.layers.length - 1];
    const x = matrix(req.x, 'x', topo.layers[0]);
    const y = labels(req.y, x.rows, classes);
    const steps = int(req.steps ?? 100, 'steps', 1, LIMITS.steps);
    const batchSize = int(req.batchSize ?? 32, 'batchSize', 1, LIMITS.batchSize);
    const lr = num(req.learningRate ?? 1e-3, 'learningRate', 1e-6, 1);
    const seed = int(req.seed ?? 100, 'seed', 0, 2 ** 31 - 1);
    const batch = Math.min(batchSize, x.rows);
    // the trained weights travel back as base64 float32s (4/3 of 4 bytes each), next to the history
    checkResponse(Math.ceil(topo.nnz / 3) * 16 + LIMITS.historyPoints * 100, `a model of ${topo.nnz} weights`, 'use smaller layers or sparser radices');
    const work = steps * batch * topo.nnz;
    if (work > LIMITS.work) {
        throw new InputError(`steps * batch * connections is ${steps} * ${batch} * ${topo.nnz} = ${work.toExponential(2)}, over the ${LIMITS.work.toExponential(0)} this function allows; use fewer steps, a smaller batch or sparser radices`);
    }
    const e = await startEngine();
    const t0 = performance.now();
    const mlp = new Mlp(e, { layers: topo.layers, masks: topo.masks, seed, batchSize: batch, optimizer: { name: 'adam', lr } });
    try {
        // steps of `batch` samples walk through a seeded shuffle of the data, reshuffled after each pass
        const rng = new Rng(seed);
        const order = rng.permutation(x.rows);
        const every = Math.max(1, Math.ceil(steps / LIMITS.historyPoints));
        const history = [];
        let at = 0;
        for (let s = 1; s <= steps; s++) {
            if (at + batch > x.rows) {
                rng.shuffle(order);
                at = 0;
            }
            const m = mlp.trainStepOn(x.data, y, order, at, batch);
            at += batch;
            if (!Number.isFinite(m.loss))
                throw new UnprocessableError(`training diverged at step ${s} (loss ${m.loss}); lower learningRate (now ${lr})`);
            if (s % every === 0 || s === steps)
                history.push({ step: s, loss: m.loss, accuracy: m.accuracy });
        }
        const final = mlp.evaluate(x.data, y);
        const params = mlp.parameters();
        if (!Number.isFinite(final.loss) || !params.every(Number.isFinite)) {
            throw new UnprocessableError(`training ended with non-finite ${Number.isFinite(final.loss) ? 'weights' : `loss (${final.loss})`}; lower learningRate (now ${lr})`);
        }
        const model = {
            format: 'radixnet-mlp/1', radices: topo.radices, layers: topo.layers, ...(topo.kron ? { kron: topo.kron } : {}),
            weights: Buffer.from(params.buffer, params.byteOffset, params.byteLength).toString('base64'),
        };
        return { model, loss: final.loss, accuracy: final.accuracy, history, timing: { trainMs: performance.now() - t0, coldStart: coldStartOnce() } };
    }
    finally {
        mlp.dispose();
    }
}
async function predict(req) {
    const posted = req.model;
    if (!posted || typeof posted !== 'object' || Array.isArray(posted))
        throw new InputError('model must be the object a train request returned');
    const m = posted;
    if (m.format !== 'radixnet-mlp/1')
        throw new InputError(`model.format must be "radixnet-mlp/1", got ${JSON.stringify(m.format)}`);
    const topo = topology(m);
    const rows = Array.isArray(req.x) ? req.x.length : 0;
    const classes = topo.layers[topo.layers.length - 1];
    checkResponse(rows * (classes * PROBABILITY_BYTES + 16), `probabilities of ${rows} rows x ${classes} classes`, 'send fewer rows per request');
    const x = matrix(req.x, 'x', topo.layers[0]);
    if (typeof m.weights !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(m.weights))
        throw new InputError('model.weights must be a base64 string');
    const bytes = Buffer.from(m.weights, 'base64');
    const e = await startEngine();
    const t0 = performance.now();
    const mlp = new Mlp(e, { layers: topo.layers, masks: topo.masks, batchSize: Math.min(x.rows, 1000) });
    try {
        if (bytes.length !== mlp.paramCount * 4) {
            throw new InputError(`model.weights holds ${bytes.length / 4} floats but radices ${topo.radices} on layers ${topo.layers.join(',')} has ${mlp.paramCount} weights; send the model a train request returned`);
        }
        const params = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        for (let k = 0; k < params.length; k++)
            if (!Number.isFinite(params[k]))
                throw new InputError(`model.weights[${k}] is ${params[k]}; weights must be finite`);
        mlp.parameters().set(params);
        const probs = mlp.predict(x.data);
        const C = mlp.classes;
        const classes = [];
        const probabilities = [];
        for (let k = 0; k < probs.length; k++) {
            if (!Number.isFinite(probs[k])) {
                throw new UnprocessableError(`the model's output for x[${Math.floor(k / C)}] is not a finite number (its weights overflow float32 on these inputs); send a model a train request returned, or smaller inputs`);
            }
        }
        for (let b = 0; b < x.rows; b++) {
            const row = Array.from(probs.subarray(b * C, b * C + C));
            probabilities.push(row);
            classes.push(row.indexOf(Math.max(...row)));
        }
        return { classes, probabilities, timing: { predictMs: performance.now() - t0, coldStart: coldStartOnce() } };
    }
    finally {
        mlp.dispose();
    }
}
let reported = false;
/** The cold-start breakdown on the response that paid for it, null on later ones. */
function coldStartOnce() {
    if (reported)
        return null;
    reported = true;
    return coldStart;
}
// --- validation ---------------------------------------------------------------------------------------------
function parseBody(event) {
    if (!event || typeof event !== 'object')
        throw new InputError('the event must be an object with a JSON "body"');
    let body = event.body;
    if (typeof body !== 'string' || body.length === 0)
        throw new InputError('the request needs a JSON body, e.g. {"action": "train", ...}');
    if (event.isBase64Encoded)
        body = Buffer.from(body, 'base64').toString('utf8');
    const bytes = Buffer.byteLength(body);
    if (bytes > LIMITS.bodyBytes)
        throw new InputError(`the body is ${bytes} bytes, over the ${LIMITS.bodyBytes}-byte limit; send fewer samples`);
    checkDepth(body);
    let parsed;
    try {
        parsed = JSON.parse(body);
    }
    catch (err) {
        throw new InputError(`the body is not valid JSON: ${err.message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new InputError('the body must be a JSON object with an "action"');
    return parsed;
}
/**
 * Refuses a body nested deeper than LIMITS.jsonDepth before parsing it: every later walk over the value (the messages
 * that quote it) would overflow the stack on a megabyte of brackets.
 */
function checkDepth(text) {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c)
                i++;
            else if (c === 0x22)
                inString = false;
        }
        else if (c === 0x22)
            inString = true;
        else if (c === 0x5b || c === 0x7b) {
            if (++depth > LIMITS.jsonDepth)
                throw new InputError(`the body nests arrays and objects more than ${LIMITS.jsonDepth} deep; a request needs 3 (body, x, a row)`);
        }
        else if (c === 0x5d || c === 0x7d)
            depth--;
    }
}
function topology(req) {
    const { radices } = req;
    if (typeof radices !== 'string' || radices.length > 200)
        throw new InputError(`radices must be a radix list string such as "4,4/4" or "dense", got ${JSON.stringify(radices)?.slice(0, 60)}`);
    if (!Array.isArray(req.layers) || req.layers.length < 2 || req.layers.length > LIMITS.layerCount) {
        throw new InputError(`layers must list 2 to ${LIMITS.layerCount} sizes (inputs ... classes), got ${JSON.stringify(req.layers)?.slice(0, 60)}`);
    }
    const layers = req.layers.map((n, l) => int(n, `layers[${l}]`, 1, LIMITS.layerSize));
    const kron = req.kron === undefined ? undefined : intArray(req.kron, 'kron', layers.length);
    if (radices.trim().toLowerCase() === 'dense') {
        const nnz = layers.slice(1).reduce((s, n, l) => s + n * layers[l], 0);
        checkParameters(nnz);
        return { radices: 'dense', layers, masks: layers.slice(1).map(() => null), nnz };
    }
    const dense = layers.slice(1).reduce((s, n, l) => s + n * layers[l], 0);
    if (dense > 16 * LIMITS.parameters)
        throw new InputError(`layers ${layers.join(',')} are too large for this function (${dense} dense connections)`);
    // radixNet's InputErrors say which radix rule failed, with the numbers
    const net = radixNet(radices, layers, { kron });
    const nnz = net.masks.reduce((s, m) => s + m.nnz, 0);
    checkParameters(nnz);
    return { radices, layers, ...(kron ? { kron } : {}), masks: net.masks, nnz };
}
function checkResponse(bytes, what, fix) {
    if (bytes > LIMITS.responseBytes) {
        throw new InputError(`the response would carry ${what}, about ${mib(bytes)}, over the ${mib(LIMITS.responseBytes)} a response may hold; ${fix}`);
    }
}
function mib(bytes) {
    const v = bytes / 2 ** 20;
    return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} MiB`;
}
function checkParameters(nnz) {
    if (nnz > LIMITS.parameters)
        throw new InputError(`the model would have ${nnz} weights, over the ${LIMITS.parameters} this function trains; use smaller layers or sparser radices`);
}
function matrix(value, what, features) {
    if (!Array.isArray(value) || value.length === 0)
        throw new InputError(`${what} must be a non-empty array of rows of ${features} numbers`);
    if (value.length > LIMITS.samples)
        throw new InputError(`${what} has ${value.length} rows, over the ${LIMITS.samples}-sample limit`);
    const data = new Float32Array(value.length * features);
    value.forEach((row, b) => {
        if (!Array.isArray(row) || row.length !== features) {
            throw new InputError(`${what}[${b}] must be an array of ${features} numbers (the model's inputs), got ${Array.isArray(row) ? `${row.length} values` : typeof row}`);
        }
        for (let f = 0; f < features; f++) {
            const v = row[f];
            if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 3.4e38)
                throw new InputError(`${what}[${b}][${f}] is ${JSON.stringify(v)}; inputs must be finite float32 numbers`);
            data[b * features + f] = v;
        }
    });
    return { data, rows: value.length };
}
function labels(value, rows, classes) {
    if (!Array.isArray(value) || value.length !== rows) {
        throw new InputError(`y must be an array of ${rows} labels (one per row of x), got ${Array.isArray(value) ? value.length : typeof value}`);
    }
    return Int32Array.from(value, (v, b) => int(v, `y[${b}]`, 0, classes - 1));
}
function int(value, what, min, max) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new InputError(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}
function num(value, what, min, max) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
        throw new InputError(`${what} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}
function intArray(value, what, length) {
    if (!Array.isArray(value) || value.length !== length)
        throw new InputError(`${what} must list ${length} integers (one per layer size), got ${JSON.stringify(value)}`);
    return value.map((v, k) => int(v, `${what}[${k}]`, 1, LIMITS.layerSize));
}
