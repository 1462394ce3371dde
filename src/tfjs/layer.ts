// radixDense: a Keras-style dense layer whose kernel [nIn, units] is masked by a RadiX-Net (or any 0/1 Mask), running
// RadixMatMul. It drops into tf.sequential / tf.model, compile, fit, predict, save and tf.loadLayersModel like Dense.
//
// How the mask is enforced at every step: the forward pass reads only the mask's entries of the kernel, and the
// gradient is exactly zero off the mask, so no tfjs optimizer (SGD, momentum, Adam, RMSProp, ...) ever moves a masked
// weight; the kernel starts masked; and every write (setWeights, model.setWeights, loading) goes through a constraint
// that multiplies by the mask. So masked weights are exactly zero at all times, not just inactive.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { InputError } from '../errors.js';
import type { RadixList } from '../topology/radix.js';
import { SparseMask } from '../topology/mask.js';
import { Mask, type MaskSpec, type MaskValues } from './mask.js';
import { radixMatMul, type Implementation } from './ops/radix_matmul.js';

/** An initializer: a tfjs Initializer, the name of a `tf.initializers` factory ('glorotNormal'), or its saved form. */
export type InitializerLike = Initializer | string | { className: string; config: Record<string, unknown> };

export interface RadixDenseArgs extends LayerArgs {
  /** Output size; must equal the mask's nOut when both are given (default: the mask's). */
  units?: number;
  /** The connection mask of the [nIn, units] kernel: a Mask, a SparseMask, 0/1 values ([nIn][units], flat, tensor) or a saved spec. */
  mask?: Mask | SparseMask | MaskSpec | MaskValues;
  /** Or a RadiX-Net: its radix list ('10,10/10'), layer sizes n_0..n_L, and which weight layer this is (default 0). */
  radices?: string | RadixList;
  layers?: number[];
  layer?: number;
  kron?: number[];
  /** Any tfjs activation name: 'linear' (default), 'relu', 'softmax', 'sigmoid', 'tanh', ... */
  activation?: string;
  /** Default true, as for Dense (the paper's models use false). */
  useBias?: boolean;
  /** Default 'glorotNormal', as for tfjs' Dense (the paper uses randomNormal with stddev 0.05). */
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  /** Where the matmul runs (see Implementation); default 'auto'. */
  implementation?: Implementation;
}

export class RadixDense extends tfl.layers.Layer {
  static className = 'RadixDense';
  readonly mask: Mask;
  readonly units: number;
  readonly useBias: boolean;
  readonly activationName: string;
  readonly implementation: Implementation;
  private readonly activationFn: { apply(x: tf.Tensor): tf.Tensor };
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: RadixDenseArgs) {
    super(args);
    this.mask = resolveMask(args);
    if (args.units !== undefined && args.units !== this.mask.nOut) {
      throw new InputError(
        `radixDense: units is ${args.units} but the mask has ${this.mask.nOut} outputs (shape [${this.mask.shape.join(', ')}]); they must match`,
      );
    }
    this.units = this.mask.nOut;
    this.useBias = args.useBias ?? true;
    this.implementation = args.implementation ?? 'auto';
    if (!['auto', 'radix', 'masked'].includes(this.implementation)) {
      throw new InputError(
        `radixDense: implementation must be auto, radix or masked, got "${String(this.implementation)}"`,
      );
    }
    this.activationName = args.activation ?? 'linear';
    try {
      this.activationFn = (
        tfl.layers.activation({ activation: this.activationName as 'linear' }) as unknown as {
          activation: { apply(x: tf.Tensor): tf.Tensor };
        }
      ).activation;
    } catch (err) {
      throw new InputError(
        `radixDense: unknown activation "${this.activationName}" (${(err as Error).message.split('\n')[0]}); use e.g. linear, relu, softmax, sigmoid, tanh`,
      );
    }
    this.kernelInitializer = resolveInitializer(args.kernelInitializer ?? 'glorotNormal', 'kernelInitializer');
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? 'zeros', 'biasInitializer');
    // the input size is checked in build, where a mismatch becomes an InputError naming the mask
    this.inputSpec = [{ minNDim: 2 }];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const last = shape[shape.length - 1];
    if (last !== this.mask.nIn) {
      throw new InputError(
        `radixDense "${this.name}": its input has ${last} features but the mask is [${this.mask.shape.join(', ')}]; the mask's first size must match the input`,
      );
    }
    if (!this.kernel) {
      const mask = this.mask;
      // a duck-typed Constraint: LayerVariable.write applies it after every assignment (setWeights, loading)
      const constraint = {
        apply: (w: tf.Tensor) => mask.apply(w),
        getConfig: () => ({}),
        getClassName: () => 'RadixMask',
      } as unknown as Constraint;
      this.kernel = this.addWeight(
        'kernel',
        [this.mask.nIn, this.units],
        'float32',
        this.kernelInitializer,
        undefined,
        true,
        constraint,
      );
      const masked = mask.apply(this.kernel.read());
      this.kernel.write(masked);
      masked.dispose();
      if (this.useBias)
        this.bias = this.addWeight('bias', [this.units], 'float32', this.biasInitializer, undefined, true);
    }
    this.inputSpec = [{ minNDim: 2, axes: { [-1]: this.mask.nIn } }];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      if (Array.isArray(inputs) && inputs.length !== 1)
        throw new InputError(`radixDense "${this.name}" takes one input, got ${inputs.length}`);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      // like Dense, contract the last axis of any rank >= 2 input
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, this.mask.nIn]) as tf.Tensor2D);
      let y: tf.Tensor = radixMatMul(flat, this.kernel!.read() as tf.Tensor2D, this.mask, this.implementation);
      if (this.bias) y = tf.add(y, this.bias.read());
      y = this.activationFn.apply(y);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      units: this.units,
      mask: this.mask.spec as unknown as tf.serialization.ConfigDict,
      activation: this.activationName,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      implementation: this.implementation,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(RadixDense);

/**
 * A dense layer [nIn, units] masked by a RadiX-Net layer or any 0/1 mask; see RadixDenseArgs. Example:
 * `radixDense({radices: '10,10/10', layers: [784, 300, 100, 10], layer: 0, activation: 'relu', inputShape: [784]})`.
 */
export function radixDense(args: RadixDenseArgs): RadixDense {
  return new RadixDense(args);
}

function resolveMask(args: RadixDenseArgs): Mask {
  const { mask, radices, layers } = args;
  if (mask !== undefined && mask !== null) {
    if (radices !== undefined) throw new InputError('radixDense: give either mask or radices + layers, not both');
    if (mask instanceof Mask || mask instanceof SparseMask) return Mask.from(mask);
    if (typeof mask === 'object' && !Array.isArray(mask) && !(mask instanceof tf.Tensor) && 'type' in mask)
      return Mask.decode(mask as MaskSpec);
    const values = mask as MaskValues;
    const isFlat = !(values instanceof tf.Tensor) && !(Array.isArray(values) && Array.isArray(values[0]));
    if (isFlat) {
      const n = (values as ArrayLike<number>).length;
      if (!args.units || n % args.units !== 0) {
        throw new InputError(
          `radixDense: a flat mask of ${n} values needs units that divide it (got units ${args.units}); or pass rows [nIn][units]`,
        );
      }
      return Mask.from(values, [n / args.units, args.units]);
    }
    return Mask.from(values);
  }
  if (radices !== undefined) {
    if (!layers) throw new InputError('radixDense: radices need layers too (sizes n_0..n_L, e.g. [784, 300, 100, 10])');
    const masks = Mask.radix(radices, layers, { kron: args.kron });
    const l = args.layer ?? 0;
    if (args.layer === undefined && masks.length > 1) {
      throw new InputError(
        `radixDense: the RadiX-Net on layers ${layers.join(',')} has ${masks.length} weight layers; say which one with layer: 0..${masks.length - 1}`,
      );
    }
    if (!Number.isInteger(l) || l < 0 || l >= masks.length)
      throw new InputError(`radixDense: layer is ${l}; it must be 0..${masks.length - 1}`);
    return masks[l];
  }
  throw new InputError('radixDense needs a mask (Mask, 0/1 values) or radices + layers (+ layer)');
}

function resolveInitializer(init: InitializerLike, what: string): Initializer {
  if (typeof init === 'string') {
    const factory = (tfl.initializers as unknown as Record<string, (a?: object) => Initializer>)[init];
    if (typeof factory !== 'function') {
      throw new InputError(
        `radixDense: ${what} "${init}" is not a tf.initializers name; use one of ${Object.keys(tfl.initializers).join(', ')}`,
      );
    }
    return factory({});
  }
  if (init && typeof (init as Initializer).apply === 'function') return init as Initializer;
  const saved = init as { className?: string; config?: Record<string, unknown> };
  const entry =
    saved && typeof saved.className === 'string'
      ? tf.serialization.SerializationMap.getMap().classNameMap[saved.className]
      : undefined;
  if (!entry)
    throw new InputError(
      `radixDense: ${what} ${JSON.stringify(init)} is neither an Initializer, a name nor a saved {className, config}`,
    );
  const [cls, fromConfig] = entry;
  return fromConfig(cls, (saved.config ?? {}) as tf.serialization.ConfigDict) as unknown as Initializer;
}

function serializeInitializer(init: Initializer): tf.serialization.ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}
