// RadixMatMul against tfjs' own tf.matMul(x, kernel * mask) and its tf.grads, on the cpu and wasm backends, on shapes
// that exercise the kernels' edges; plus the fallback on a backend without our kernels, and bad input.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { Mask } from '../src/tfjs/mask.js';
import { radixMatMul, setRadixThreads, RADIX_MATMUL } from '../src/tfjs/ops/radix_matmul.js';
import { useBackend, loadTfjsNode } from '../src/tfjs/backends.js';

const U = 2 ** -24; // float32 unit roundoff

/** A mask with the given density, plus an empty output (0) and a fan-in-1 output (1) when there is room. */
function awkwardMask(nIn: number, nOut: number, density: number, seed: number): Mask {
  const rng = new Rng(seed);
  const dense = new Uint8Array(nIn * nOut);
  for (let k = 0; k < dense.length; k++) dense[k] = rng.next() < density ? 1 : 0;
  if (nOut > 2) {
    for (let i = 0; i < nIn; i++) dense[i * nOut] = 0;
    for (let i = 0; i < nIn; i++) dense[i * nOut + 1] = i === nIn - 1 ? 1 : 0;
  }
  return Mask.from(dense, [nIn, nOut]);
}

function normal(shape: [number, number], seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(rng.fillNormal(new Float32Array(shape[0] * shape[1])), shape);
}

/**
 * Checks |got - want| <= 2 (n + 1) u Σ|terms| elementwise: two float32 dot products of the same n terms summed in
 * different orders (our SIMD lanes vs tfjs' blocked loops or XNNPACK) each lie within (n + 1) u Σ|terms| of the exact
 * value (the standard recursive-summation bound, products rounded too). `bound` holds Σ|terms| per element. A wrong
 * index or weight shows up as an error of the size of a term, orders of magnitude above this.
 */
function expectWithinRounding(got: tf.Tensor, want: tf.Tensor, bound: tf.Tensor, n: number, what: string): void {
  expect(got.shape, `${what} shape`).to.deep.equal(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  const b = bound.dataSync();
  for (let k = 0; k < g.length; k++) {
    const tol = 2 * (n + 1) * U * b[k] + 1e-30;
    if (!(Math.abs(g[k] - w[k]) <= tol))
      expect.fail(`${what}[${k}]: got ${g[k]}, tfjs ${w[k]}, allowed difference ${tol}`);
  }
}

const cases: { name: string; batch: number; mask: () => Mask }[] = [
  { name: 'batch 1, 1 x 1 full', batch: 1, mask: () => Mask.full(1, 1) },
  {
    name: 'batch 5, 13 x 7 random with an empty output and fan-in 1',
    batch: 5,
    mask: () => awkwardMask(13, 7, 0.4, 1),
  },
  { name: 'batch 3, 9 x 6 full (the GEMM path)', batch: 3, mask: () => Mask.full(9, 6) },
  {
    name: 'batch 33, 30 x 17 with no connection at all',
    batch: 33,
    mask: () => Mask.from(new Uint8Array(30 * 17), [30, 17]),
  },
  {
    name: 'batch 100, 784 x 300 RadiX-Net 10,10/10 layer 0',
    batch: 100,
    mask: () => Mask.radix('10,10/10', [784, 300, 100, 10])[0],
  },
  {
    name: 'batch 37, 100 x 10 RadiX-Net 10,10/10 layer 2',
    batch: 37,
    mask: () => Mask.radix('10,10/10', [784, 300, 100, 10])[2],
  },
];

for (const backend of ['cpu', 'wasm']) {
  describe(`tfjs RadixMatMul on the ${backend} backend`, function () {
    before(async () => {
      await useBackend(backend);
    });

    it('is registered for this backend', () => {
      expect(tf.getKernel(RADIX_MATMUL, backend)).to.not.equal(undefined);
    });

    for (const c of cases) {
      it(`equals tf.matMul(x, kernel * mask) and its gradients: ${c.name}`, () => {
        const mask = c.mask();
        const [nIn, nOut] = mask.shape;
        tf.tidy(() => {
          const x = normal([c.batch, nIn], 10);
          // a kernel with nonzeros off the mask too: the op must ignore them
          const kernel = normal([nIn, nOut], 11);
          const r = normal([c.batch, nOut], 12);
          const m = mask.toTensor();
          const ours = radixMatMul(x, kernel, mask);
          const theirs = tf.matMul(x, tf.mul(kernel, m));
          expectWithinRounding(ours, theirs, tf.matMul(tf.abs(x), tf.abs(tf.mul(kernel, m))), nIn, 'y');

          // gradients of sum(op(x, kernel) * r): dy = r, dx = r (k*m)^T, dkernel = (x^T r) * m
          const [dxOurs, dkOurs] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(radixMatMul(a as tf.Tensor2D, b as tf.Tensor2D, mask), r)),
          )([x, kernel]);
          const [dxTheirs, dkTheirs] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, tf.mul(b, m) as tf.Tensor2D), r)),
          )([x, kernel]);
          expectWithinRounding(
            dxOurs,
            dxTheirs,
            tf.matMul(tf.abs(r), tf.abs(tf.mul(kernel, m)), false, true),
            nOut,
            'dx',
          );
          expectWithinRounding(
            dkOurs,
            dkTheirs,
            tf.mul(tf.matMul(tf.abs(x), tf.abs(r), true, false), m),
            c.batch,
            'dkernel',
          );
          // off the mask the gradient is exactly zero (not merely small), so no optimizer moves a masked weight
          const dk = dkOurs.dataSync();
          const dense = mask.toArray();
          for (let k = 0; k < dk.length; k++)
            if (!dense[k] && dk[k] !== 0) expect.fail(`dkernel[${k}] is ${dk[k]} off the mask`);
        });
      });
    }

    it('gives the same result when the same tensors come again (cached copies stay correct)', () => {
      const mask = awkwardMask(21, 11, 0.5, 3);
      tf.tidy(() => {
        const x = normal([6, 21], 1);
        const k1 = normal([21, 11], 2);
        const k2 = normal([21, 11], 3);
        const a = radixMatMul(x, k1, mask).dataSync().slice();
        const b = radixMatMul(x, k2, mask).dataSync().slice();
        const c = radixMatMul(x, k1, mask).dataSync();
        expect(Array.from(c)).to.deep.equal(Array.from(a));
        expect(Array.from(b)).to.not.deep.equal(Array.from(a));
      });
    });

    it('gives bit-identical results on 2 threads (each output and input is summed by one thread, in one order)', async () => {
      const mask = Mask.radix('10,10/10', [784, 300, 100, 10])[0];
      const run = (): Float32Array[] =>
        tf.tidy(() => {
          const x = normal([37, 784], 4);
          const kernel = normal([784, 300], 5);
          const r = normal([37, 300], 6);
          const y = radixMatMul(x, kernel, mask).dataSync().slice();
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(radixMatMul(a as tf.Tensor2D, b as tf.Tensor2D, mask), r)),
          )([x, kernel]);
          return [y as Float32Array, ...g.map((t) => t.dataSync().slice() as Float32Array)];
        });
      const one = run();
      await setRadixThreads(2);
      try {
        const two = run();
        two.forEach((a, k) =>
          expect(Buffer.from(a.buffer).equals(Buffer.from(one[k].buffer)), ['y', 'dx', 'dkernel'][k]).to.equal(true),
        );
      } finally {
        await setRadixThreads(1);
      }
    });

    it('handles a batch of 0 samples', () => {
      const mask = awkwardMask(5, 4, 0.5, 4);
      const y = radixMatMul(tf.zeros([0, 5]) as tf.Tensor2D, normal([5, 4], 1), mask);
      expect(y.shape).to.deep.equal([0, 4]);
    });
  });
}

describe('tfjs RadixMatMul on a backend without our kernels', function () {
  // "plain" stands in for webgl or tfjs-node's tensorflow: tfjs' cpu kernels under another name, none of ours
  before(async () => {
    if (!tf.findBackendFactory('plain')) {
      tf.registerBackend('plain', () => Object.assign(new MathBackendCPU(), { firstUse: false }), 0);
      for (const k of tf.getKernelsForBackend('cpu')) {
        if (!k.kernelName.startsWith(RADIX_MATMUL)) tf.registerKernel({ ...k, backendName: 'plain' });
      }
    }
    await useBackend('plain');
  });
  after(async () => {
    await useBackend('cpu');
  });

  it('falls back to tf.matMul of the masked kernel, gradients included', () => {
    const mask = awkwardMask(13, 7, 0.4, 5);
    tf.tidy(() => {
      const x = normal([4, 13], 1);
      const kernel = normal([13, 7], 2);
      const m = mask.toTensor();
      expect(Array.from(radixMatMul(x, kernel, mask).dataSync())).to.deep.equal(
        Array.from(tf.matMul(x, tf.mul(kernel, m)).dataSync()),
      );
      const [dk] = tf.grads((b: tf.Tensor) => tf.sum(radixMatMul(x, b as tf.Tensor2D, mask)))([kernel]);
      const [want] = tf.grads((b: tf.Tensor) => tf.sum(tf.matMul(x, tf.mul(b, m) as tf.Tensor2D)))([kernel]);
      expect(Array.from(dk.dataSync())).to.deep.equal(Array.from(want.dataSync()));
    });
  });

  it('refuses implementation "radix" there, naming the backend and the fix', () => {
    const mask = awkwardMask(3, 2, 1, 6);
    expect(() => radixMatMul(normal([1, 3], 1), normal([3, 2], 2), mask, 'radix')).to.throw(
      InputError,
      /active backend is "plain".*tf.setBackend\('cpu'\)/,
    );
  });
});

describe('tfjs RadixMatMul: bad input', function () {
  before(async () => {
    await useBackend('cpu');
  });
  const mask = () =>
    Mask.from([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);

  it('rejects a kernel whose shape does not match the mask', () => {
    expect(() => radixMatMul(normal([2, 3], 1), normal([3, 3], 2), mask())).to.throw(
      InputError,
      /kernel has shape \[3, 3\] but the mask is \[3, 2\]/,
    );
  });

  it('rejects x with the wrong number of features', () => {
    expect(() => radixMatMul(normal([2, 4], 1), normal([3, 2], 2), mask())).to.throw(
      InputError,
      /x has 4 features per sample but the mask has 3 inputs/,
    );
  });

  it('rejects x of a dtype other than float32', () => {
    expect(() => radixMatMul(tf.zeros([2, 3], 'int32') as tf.Tensor2D, normal([3, 2], 2), mask())).to.throw(
      InputError,
      /x has dtype int32; it must be float32/,
    );
  });

  it('rejects masks holding values other than 0 and 1', () => {
    expect(() =>
      Mask.from([
        [1, 0],
        [0.5, 1],
      ]),
    ).to.throw(InputError, /input 1, output 0 is 0.5; a mask holds only 0 and 1/);
    expect(() => Mask.from(tf.tensor2d([[1, 2]]))).to.throw(InputError, /is 2; a mask holds only 0 and 1/);
  });

  it('rejects a mask of one shape used for a kernel of another', () => {
    expect(() => Mask.from(mask(), [3, 5])).to.throw(InputError, /mask has shape \[3, 2\] but the kernel is \[3, 5\]/);
    expect(() => mask().apply(tf.zeros([2, 3]))).to.throw(
      InputError,
      /kernel has shape \[2, 3\] but the mask is \[3, 2\]/,
    );
  });

  it('rejects an unknown backend and explains an absent tfjs-node', async () => {
    let err: unknown;
    await useBackend('webgpu').catch((e) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(
      /tfjs backend "webgpu" is not available: unknown tfjs backend "webgpu": radixnet runs on cpu, wasm, tensorflow/,
    );
    const why = await loadTfjsNode();
    if (why === null) return; // tfjs-node is installed here: the tensorflow backend is fine
    err = undefined;
    await useBackend('tensorflow').catch((e) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/);
    await useBackend('cpu');
  });
});
