// Fig. 7: saliency maps at 99% first-layer sparsity. A RadiX-Net whose first layer keeps 1% of its connections and a
// dense model whose first layer is magnitude-pruned to the same number of weights (then fine-tuned on the sparse
// kernels), both trained; each pixel's saliency is the sum of |outgoing first-layer weights|. Records carry the 28x28
// maps and the numbers that make the paper's visual claim checkable: dead pixels, spread, mass by distance from the
// centre.
import { median } from '../../analysis/stats.js';
import { saliency, saliencyStats, type SaliencyMap, type SaliencyStats } from '../../analysis/saliency.js';
import { InputError } from '../../errors.js';
import { formatRadixList, parseRadixList } from '../../topology/radix.js';
import type { Experiment, RunRecord, RunSpec } from '../experiment.js';
import { intParam, numberParam, seedsParam } from '../param-specs.js';
import { executePruning, settingsTags } from '../pruning-runs.js';
import {
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface SaliencyParams extends TrainingParams {
  /**
   * The RadiX-Net; its first layer's connection count is the pruned model's too. Default 1,100/100 (first layer 1%,
   * the rest dense), so that both models train well; 1,100/1 keeps one connection per class in the last layer.
   */
  radices: string;
  seeds: number[];
  /** Epochs of sparse fine-tuning of the pruned model (the RadiX-Net trains epochs + this). */
  fineTuneEpochs: number;
  /** Width of the distance rings, in pixels. */
  ringWidth: number;
}

const MODELS = ['radixnet', 'pruned'] as const;

export const saliencyExperiment: Experiment<SaliencyParams> = {
  name: 'saliency',
  description:
    'Fig. 7: first-layer saliency maps of a RadiX-Net keeping 1% of the first layer and a magnitude-pruned model of the same size',
  defaults: { ...TRAINING_DEFAULTS, radices: '1,100/100', seeds: [1], fineTuneEpochs: 2, ringWidth: 2 },
  quick: { epochs: 1, fineTuneEpochs: 1, trainSamples: 1000 },
  params: {
    ...TRAINING_PARAMS,
    radices: {
      flag: 'radices',
      description: "the RadiX-Net (its first layer sets the pruned first layer's size), e.g. 1,100/100",
      parse: (t) => formatRadixList(parseRadixList(t)),
    },
    seeds: seedsParam('seeds', 'training seeds, e.g. 1..3'),
    fineTuneEpochs: intParam('fine-tune-epochs', 'epochs of sparse fine-tuning of the pruned model', 1, 10000),
    ringWidth: numberParam('ring-width', 'width in pixels of the distance rings around the image centre', 0.1, 40),
  },
  needsData: true,

  plan(p) {
    if (p.layers[0] !== 784)
      throw new InputError(
        `saliency maps are 28x28 MNIST pixels: the first layer size must be 784, got ${p.layers[0]}`,
      );
    const runs: RunSpec[] = [];
    for (const seed of p.seeds) {
      for (const model of MODELS) {
        const config = trainingConfig(p, p.radices, seed);
        const settings = {
          method: model === 'radixnet' ? ('radixnet' as const) : ('one-shot' as const),
          layersPruned: model === 'radixnet' ? ('all' as const) : ('first' as const),
          fineTuneEpochs: p.fineTuneEpochs,
          frequency: 100,
          power: 3,
          pruneEnd: 1,
          timingSteps: 0,
        };
        runs.push({
          key: `saliency|${model}|${trainingKey(config)}|fine-tune=${p.fineTuneEpochs}`,
          config,
          tags: { model, seed, ringWidth: p.ringWidth, ...settingsTags(settings) },
        });
      }
    }
    return runs;
  },

  execute: (run, ctx) =>
    executePruning(run, ctx, (model) => {
      const [first] = model.getWeights();
      const map = saliency(first.kernel, [model.sizes[0], model.sizes[1]]);
      return {
        saliency: map,
        saliencyStats: saliencyStats(map, Number(run.tags.ringWidth)),
        firstLayerWeights: model.layers[0].nnz,
      };
    }),

  summarize(records, params) {
    // records carry their params; older or hand-made files may lack some, which then take the defaults
    const p = { ...saliencyExperiment.defaults, ...params };
    const rows = MODELS.map((model) => {
      const rs = records.filter((r) => r.tags.model === model);
      const stats = rs.map((r) => statsOf(r, p.ringWidth));
      const med = (f: (s: SaliencyStats) => number): number => median(stats.map((s) => (s ? f(s) : NaN)));
      return {
        model,
        seeds: rs.length,
        firstLayerSparsity: median(rs.map((r) => r.topology.layerSparsity?.[0] ?? NaN)),
        sparsity: median(rs.map((r) => r.topology.sparsity)),
        testAccuracy: median(rs.map((r) => r.final?.testAccuracy ?? NaN)),
        deadFraction: med((s) => s.deadFraction),
        cv: med((s) => s.cv),
        halfMassRadius: med((s) => s.halfMassRadius),
        innerMass: med((s) => innerMass(s, 4 * p.ringWidth)),
      };
    }).filter((r) => r.seeds > 0);
    const text = [
      `saliency of the first layer (sum of |outgoing weights| per pixel), medians over seeds; RadiX-Net ${p.radices}:`,
      'model     layer-1 sparsity  overall  test acc  dead pixels  CV over pixels  half-mass radius  ' +
        `mass within ${4 * p.ringWidth} px`,
      ...rows.map(
        (r) =>
          `${r.model.padEnd(8)}  ${r.firstLayerSparsity.toFixed(4).padStart(16)}  ${r.sparsity.toFixed(4).padStart(7)}  ` +
          `${r.testAccuracy.toFixed(4).padStart(8)}  ${r.deadFraction.toFixed(4).padStart(11)}  ${r.cv.toFixed(3).padStart(14)}  ` +
          `${r.halfMassRadius.toFixed(1).padStart(16)}  ${r.innerMass.toFixed(4).padStart(16)}`,
      ),
    ];
    return { text, data: { models: rows } };
  },
};

/** A record's saliency numbers, recomputed from its map (null when it has none). */
function statsOf(r: RunRecord, ringWidth: number): SaliencyStats | null {
  const map = r.data?.saliency as SaliencyMap | undefined;
  if (!map || !Array.isArray(map.values) || map.values.length !== map.height * map.width) return null;
  return saliencyStats(map, ringWidth);
}

/** Fraction of the saliency mass in rings whose outer radius is at most `radius` pixels. */
function innerMass(s: SaliencyStats, radius: number): number {
  return s.rings.filter((r) => r.outer <= radius).reduce((sum, r) => sum + r.massFraction, 0);
}
