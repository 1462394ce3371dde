// Optimizers over a model's flat parameter block (all layers' nonzero weights, then biases). Only nonzeros exist,
// so momentum and Adam state can never revive a masked weight.
import { InputError } from '../errors.js';
import type { Task } from '../kernels/pool.js';

export type OptimizerSpec =
  | { name: 'adam'; lr?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; lr?: number; momentum?: number };

export type OptimizerName = OptimizerSpec['name'];

/** Keras defaults (docs/training.md): Adam lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7; SGD lr 0.01. */
export function resolveOptimizer(spec: OptimizerSpec | OptimizerName = 'adam'): Required<OptimizerSpec> {
  const s: OptimizerSpec = typeof spec === 'string' ? ({ name: spec } as OptimizerSpec) : spec;
  if (s.name === 'adam') {
    const r = {
      name: 'adam' as const,
      lr: s.lr ?? 1e-3,
      beta1: s.beta1 ?? 0.9,
      beta2: s.beta2 ?? 0.999,
      epsilon: s.epsilon ?? 1e-7,
    };
    positive('lr', r.lr);
    positive('epsilon', r.epsilon);
    unit('beta1', r.beta1);
    unit('beta2', r.beta2);
    return r;
  }
  if (s.name === 'sgd') {
    const r = { name: 'sgd' as const, lr: s.lr ?? 0.01, momentum: s.momentum ?? 0 };
    positive('lr', r.lr);
    unit('momentum', r.momentum);
    return r;
  }
  throw new InputError(`unknown optimizer "${(s as { name: string }).name}": use adam or sgd`);
}

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new InputError(`optimizer ${name} must be a positive number, got ${v}`);
}
function unit(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new InputError(`optimizer ${name} must be in [0, 1), got ${v}`);
}

/** Optimizer state: the step count and the byte offsets of its slot buffers (m, v) in kernel memory. */
export class Optimizer {
  readonly spec: Required<OptimizerSpec>;
  /** Steps taken (Adam's t). */
  step = 0;

  constructor(
    spec: OptimizerSpec | OptimizerName,
    private readonly m: number,
    private readonly v: number,
  ) {
    this.spec = resolveOptimizer(spec);
  }

  /** Byte offsets of the slot buffers the spec uses, in order (Adam: m, v; SGD with momentum: the velocity). */
  get slotOffsets(): number[] {
    return [this.m, this.v].slice(0, Optimizer.slots(this.spec));
  }

  /** Slot buffers the spec needs: Adam 2 (m, v), SGD with momentum 1, plain SGD 0. */
  static slots(spec: OptimizerSpec | OptimizerName): number {
    const s = resolveOptimizer(spec);
    return s.name === 'adam' ? 2 : s.momentum > 0 ? 1 : 0;
  }

  /** The update of parameters [0, n) at `w` from gradients `g`; advances the step count. */
  update(w: number, g: number, n: number, bounds?: Int32Array): Task {
    this.step++;
    return this.task(w, g, n, bounds);
  }

  /**
   * The update's kernel and arguments for the current step count, without advancing it: the shape of the last call of
   * a fused step, whose step-dependent arguments (Adam's alpha) update() gives each step.
   */
  template(w: number, g: number, n: number): Task {
    return this.task(w, g, n);
  }

  private task(w: number, g: number, n: number, bounds?: Int32Array): Task {
    const s = this.spec;
    if (s.name === 'adam') {
      // Keras folds both bias corrections into the step size
      const t = this.step;
      const alpha = (s.lr * Math.sqrt(1 - Math.pow(s.beta2, t))) / (1 - Math.pow(s.beta1, t));
      return { kernel: 'adam_update', n, bounds, args: [w, g, this.m, this.v, alpha, s.beta1, s.beta2, s.epsilon] };
    }
    if (s.momentum > 0) return { kernel: 'momentum_update', n, bounds, args: [w, g, this.m, s.lr, s.momentum] };
    return { kernel: 'sgd_update', n, bounds, args: [w, g, s.lr] };
  }
}
