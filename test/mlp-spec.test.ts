// MlpSpec -> MlpConfig: defaults resolved once, the result frozen, and every bad value refused before the model
// allocates any kernel memory.
import { expect } from 'chai';
import { InputError } from '../src/errors.js';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { resolveMlpSpec, type MlpSpec } from '../src/engine/mlp-spec.js';
import { SparseMask } from '../src/topology/mask.js';

describe('Mlp spec resolution', () => {
  it('fills in the paper defaults: no bias, normal(0.05) init, seed 100, batch 100, Keras Adam', () => {
    const cfg = resolveMlpSpec({ layers: [4, 3, 2] });
    expect(cfg).to.deep.equal({
      sizes: [4, 3, 2],
      masks: [null, null],
      bias: false,
      init: 'normal',
      stddev: 0.05,
      seed: 100,
      batchSize: 100,
      optimizer: { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    });
  });

  it('returns a frozen config that later changes to the spec cannot reach', () => {
    const mask = SparseMask.full(4, 3);
    const spec: MlpSpec = { layers: [4, 3, 2], masks: [mask], optimizer: { name: 'sgd', momentum: 0.5 } };
    const cfg = resolveMlpSpec(spec);
    spec.layers.push(7);
    spec.masks!.push(null);
    expect(cfg.sizes).to.deep.equal([4, 3, 2]);
    expect(cfg.masks).to.deep.equal([mask, null]);
    expect(cfg.optimizer).to.deep.equal({ name: 'sgd', lr: 0.01, momentum: 0.5 });
    for (const part of [cfg, cfg.sizes, cfg.masks, cfg.optimizer]) expect(Object.isFrozen(part)).to.equal(true);
  });

  it('refuses each bad value with an InputError, and a model built from it allocates nothing', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      const bad: [Partial<MlpSpec>, RegExp][] = [
        [{ layers: [4] }, /at least 2 sizes/],
        [{ layers: [4, 0, 2] }, /integers >= 1/],
        [{ masks: [null, null, null] }, /3 masks for 2 weight layers/],
        [{ masks: [SparseMask.full(3, 3)] }, /mask 0 has shape \[3, 3\] but layer 0 is \[4, 3\]/],
        [{ init: 'uniform' as never }, /unknown init "uniform"/],
        [{ stddev: 0 }, /init stddev must be a number in \(0, 100\]/],
        [{ batchSize: 0 }, /batch size must be an integer >= 1, got 0/],
        [{ optimizer: 'rmsprop' as never }, /unknown optimizer "rmsprop"/],
        [{ optimizer: { name: 'adam', lr: -1 } }, /optimizer lr must be a positive number/],
      ];
      for (const [change, message] of bad) {
        const spec = { layers: [4, 3, 2], ...change } as MlpSpec;
        expect(() => resolveMlpSpec(spec), message.source).to.throw(InputError, message);
        const before = engine.memory.allocated;
        expect(() => new Mlp(engine, spec), message.source).to.throw(InputError, message);
        expect(engine.memory.allocated, message.source).to.equal(before);
      }
    } finally {
      engine.close();
    }
  });

  it('is what the model reports and uses', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      const model = new Mlp(engine, { layers: [5, 4, 3], bias: true, batchSize: 6, optimizer: 'sgd' });
      expect(model.config).to.deep.equal(
        resolveMlpSpec({ layers: [5, 4, 3], bias: true, batchSize: 6, optimizer: 'sgd' }),
      );
      expect(model.batchCapacity).to.equal(6);
      expect(model.hasBias).to.equal(true);
      expect(model.optimizer.spec).to.deep.equal({ name: 'sgd', lr: 0.01, momentum: 0 });
      model.dispose();
    } finally {
      engine.close();
    }
  });
});
