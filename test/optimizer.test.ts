import { expect } from 'chai';
import { KernelMemory } from '../src/kernels/memory.js';
import { instantiateKernels } from '../src/kernels/wasm.js';
import { adamUpdate, momentumUpdate } from './helpers/kernel-reference.js';

const FLT_MIN = 2 ** -126;
const isSubnormal = (x: number): boolean => x !== 0 && Math.abs(x) < FLT_MIN;

describe('optimizer state never goes subnormal (x86 runs subnormal math ~100x slower)', () => {
  const mem = new KernelMemory();
  const k = instantiateKernels(mem.memory);
  const n = 37; // odd: SIMD body and scalar tail both run

  it('flushes Adam m and v of weights whose gradient stays zero to exactly 0, like the reference', () => {
    const [w, g, m, v] = [0, 1, 2, 3].map(() => mem.allocF32(n));
    const init = (p: number, f: (i: number) => number): void =>
      mem.f32(p, n).set(Array.from({ length: n }, (_, i) => f(i)));
    init(w, (i) => 0.01 * i);
    init(m, (i) => (i % 2 ? 1e-3 : -1e-3));
    init(v, () => 1e-6);
    // gradients: zero, except tiny ones whose square would be subnormal
    init(g, (i) => (i % 5 === 0 ? 1e-21 : 0));
    const ref = {
      w: Float32Array.from(mem.f32(w, n)),
      g: Float32Array.from(mem.f32(g, n)),
      m: Float32Array.from(mem.f32(m, n)),
      v: Float32Array.from(mem.f32(v, n)),
    };
    for (let t = 0; t < 2000; t++) {
      k.adam_update(0, n, w, g, m, v, 1e-3, 0.9, 0.999, 1e-7);
      adamUpdate(0, n, ref.w, ref.g, ref.m, ref.v, 1e-3, 0.9, 0.999, 1e-7);
    }
    const gotM = mem.f32(m, n);
    const gotV = mem.f32(v, n);
    for (let i = 0; i < n; i++) {
      expect(isSubnormal(gotM[i]), `m[${i}] = ${gotM[i]}`).to.equal(false);
      expect(isSubnormal(gotV[i]), `v[${i}] = ${gotV[i]}`).to.equal(false);
      // with zero gradient m decays by 0.9 per step, far below 2^-100 after 2000 steps: exactly 0; with a tiny
      // constant gradient it converges to that gradient (1e-21 is a normal float)
      if (i % 5 === 0) expect(gotM[i]).to.be.closeTo(1e-21, 1e-27);
      else expect(gotM[i]).to.equal(0);
      expect(gotM[i]).to.equal(ref.m[i]);
      expect(gotV[i]).to.be.closeTo(ref.v[i], 1e-12);
      expect(mem.f32(w, n)[i]).to.be.closeTo(ref.w[i], 1e-6);
    }
  });

  it('flushes SGD momentum to exactly 0 once it decays below 2^-100', () => {
    const [w, g, m] = [0, 1, 2].map(() => mem.allocF32(n));
    mem.f32(m, n).fill(1e-2);
    const ref = { w: new Float32Array(n), g: new Float32Array(n), m: new Float32Array(n).fill(1e-2) };
    for (let t = 0; t < 1000; t++) {
      k.momentum_update(0, n, w, g, m, 0.1, 0.9);
      momentumUpdate(0, n, ref.w, ref.g, ref.m, 0.1, 0.9);
    }
    mem.f32(m, n).forEach((x) => expect(x).to.equal(0));
    ref.m.forEach((x) => expect(x).to.equal(0));
    mem.f32(w, n).forEach((x, i) => expect(x).to.be.closeTo(ref.w[i], 1e-6));
  });
});
