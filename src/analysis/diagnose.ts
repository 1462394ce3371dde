// What a trimmed topology alone says about trainability, before any training: fan-in/fan-out per layer, units cut
// off from the inputs or the outputs, how much of the network can reach each output class, how many input->output
// paths there are, and a verdict. Everything is counted on the sparse masks (one backward sweep per class), never on
// dense products, so it works for any SparseMask stack, RadiX-Net or not.
import { InputError } from '../errors.js';
import { formatRadixList, isValidRadixList, type RadixList } from '../topology/radix.js';
import { radixNet, radixNetSparsity } from '../topology/radixnet.js';
import type { SparseMask } from '../topology/mask.js';
import { LIMITS } from '../topology/cost.js';
import { spread as spreadOf } from './stats.js';
import { STRANGE_MAX_OUTPUT_FAN_IN } from './strangeness.js';
import { calibratedRisk, calibratedRiskLines, inRiskScope, type CalibratedRisk } from './strange-risk.js';
import {
  MEASURED_PREVENTION,
  MEASURED_PREVENTION_OTHER,
  MEASURED_RISK,
  MEASURED_SOURCE,
  PREVENTION_MODELS,
  PREVENTION_MODELS_OTHER,
} from './strange-measured.js';
import { cheapestMeasure, type MeasureRow } from './prevention.js';

/** Minimum, median (mean of the two middle values for an even count) and maximum. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** One weight layer (mask l, shape [n_l, n_{l+1}]). */
export interface LayerDiagnosis {
  nIn: number;
  nOut: number;
  nnz: number;
  /** Inputs read per output unit. */
  fanIn: Spread;
  /** Outputs fed per input unit. */
  fanOut: Spread;
}

/** One layer of units (l = 0 the inputs, l = L the outputs). */
export interface UnitLayerDiagnosis {
  size: number;
  /** Units with no incoming connection (always 0 for the input layer). */
  noInput: number;
  /** Units with no outgoing connection (always 0 for the output layer). */
  noOutput: number;
  /** Units no input unit reaches by any path (they only ever compute 0 without biases). */
  unreachable: number;
  /** Units that reach no output unit by any path (their weights never matter). */
  useless: number;
}

/** How much of the network can reach one output unit (class). */
export interface ClassDiagnosis {
  /** Output unit index. */
  output: number;
  /** Units of each hidden layer 1..L-1 with a path to this output (reach[0] is hidden layer 1). */
  hiddenReach: number[];
  /** Distinct input units (pixels) with a path to this output. */
  inputReach: number;
  /** Units of the last hidden layer feeding this output directly (its fan-in). */
  fanIn: number;
  /** Paths from each input unit to this output: spread over all inputs, zeros included. */
  paths: Spread;
}

export interface PathDiagnosis {
  /** Paths per (input, output) pair over all pairs, zeros included; float64, exact below 2^53. */
  perPair: Spread;
  /** Pairs with no path. */
  zeroPairs: number;
  pairs: number;
}

/** Why a topology is at risk; `kind` is stable for programs, `text` a sentence for people. */
export interface Risk {
  kind: 'dead-output' | 'narrow-output' | 'unreachable-units' | 'pixels-cut-off';
  text: string;
}

export interface Diagnosis {
  /** Layer sizes n_0..n_L. */
  layers: number[];
  weightLayers: LayerDiagnosis[];
  unitLayers: UnitLayerDiagnosis[];
  /** Per output unit; null when skipped for cost (see `skipped`). */
  classes: ClassDiagnosis[] | null;
  paths: PathDiagnosis | null;
  /** Why classes/paths were not computed, when they were not. */
  skipped?: string;
  verdict: 'ok' | 'at risk';
  /** The strangeness rule's prediction (src/analysis/strangeness.ts): some output fed by too few last-hidden units. */
  predictedStrange: boolean;
  risks: Risk[];
}

/**
 * The fewest last-hidden units an output may be fed by before the verdict calls the topology at risk: without biases
 * a class scored from one or two non-negative ReLU outputs is easily never predicted at all. The training measurement
 * behind the number is in docs/strange-models.md.
 */
export const MIN_OUTPUT_FAN_IN = 3;

/**
 * Diagnoses a stack of masks: mask l has shape [n_l, n_{l+1}] and consecutive masks must chain (nOut of l = nIn of
 * l + 1).
 */
export function diagnoseMasks(masks: readonly SparseMask[]): Diagnosis {
  if (masks.length === 0) throw new InputError('there are no weight layers to diagnose; give at least one mask');
  masks.forEach((m, l) => {
    if (l > 0 && masks[l - 1].nOut !== m.nIn) {
      throw new InputError(
        `mask ${l - 1} has ${masks[l - 1].nOut} outputs but mask ${l} has ${m.nIn} inputs; consecutive ` +
          'masks must chain',
      );
    }
  });
  const layers = [masks[0].nIn, ...masks.map((m) => m.nOut)];
  const depth = masks.length;
  const fanIns = masks.map((m) => m.fanInCounts());
  const fanOuts = masks.map((m) => m.fanOutCounts());
  const weightLayers = masks.map((m, l): LayerDiagnosis => ({
    nIn: m.nIn,
    nOut: m.nOut,
    nnz: m.nnz,
    fanIn: spread(fanIns[l]),
    fanOut: spread(fanOuts[l]),
  }));

  const fromInput = forwardReach(masks);
  const toOutput = backwardReach(masks);
  const unitLayers = layers.map((size, l): UnitLayerDiagnosis => ({
    size,
    noInput: l === 0 ? 0 : countZeros(fanIns[l - 1]),
    noOutput: l === depth ? 0 : countZeros(fanOuts[l]),
    unreachable: l === 0 ? 0 : size - countOnes(fromInput[l]),
    useless: l === depth ? 0 : size - countOnes(toOutput[l]),
  }));

  const nnzTotal = masks.reduce((s, m) => s + m.nnz, 0);
  const work = layers[depth] * (nnzTotal + layers.reduce((s, n) => s + n, 0));
  let classes: ClassDiagnosis[] | null = null;
  let paths: PathDiagnosis | null = null;
  let skipped: string | undefined;
  // the per-class sweeps are held to the work limit every request is (LIMITS.work, RADIXNET_MAX_WORK), read now so
  // that a change to it applies
  if (work > LIMITS.work) {
    skipped =
      `per-class reach and path counts skipped: ${layers[depth]} outputs x ${nnzTotal} connections is more than ` +
      `the ${LIMITS.work.toExponential(1)}-operation work limit (RADIXNET_MAX_WORK)`;
  } else {
    ({ classes, paths } = sweepClasses(masks, fanIns[depth - 1]));
  }
  const risks = findRisks(layers, unitLayers, classes);
  return {
    layers,
    weightLayers,
    unitLayers,
    classes,
    paths,
    ...(skipped ? { skipped } : {}),
    verdict: risks.length === 0 ? 'ok' : 'at risk',
    predictedStrange:
      depth >= 2 && fanIns[depth - 1].length > 0 && spread(fanIns[depth - 1]).min <= STRANGE_MAX_OUTPUT_FAN_IN,
    risks,
  };
}

/** A RadiX-Net's diagnosis, with its radix list, sparsities and (when at risk) nearby lists that are not. */
export interface RadixDiagnosis extends Diagnosis {
  radices: string;
  kron: number[];
  N: number;
  sparsity: number;
  kroneckerSparsity: number;
  /** Nearby valid lists, no less sparse, whose diagnosis is ok (empty when ok or when none is near). */
  suggestions: Suggestion[];
  /** The measured probability that a run of this topology ends strange, where it was measured (docs/strange-models.md). */
  calibratedRisk: CalibratedRisk;
  /** When at risk: the cheapest preventive measure that worked in the measurement (null when none did or not at risk). */
  prevention: MeasureRow | null;
  /** Which measured rows the remedy comes from: the simple family's, or those of the Fig. 4 lists outside it. */
  preventionMeasuredOn: 'family' | 'other';
}

export interface Suggestion {
  radices: string;
  sparsity: number;
  kroneckerSparsity: number;
  /** Sum of |radix change| over positions (reorderings included). */
  distance: number;
  /** The smallest output fan-in of the suggested topology. */
  minOutputFanIn: number;
}

/**
 * Builds the trimmed RadiX-Net of `list` on `layers` and diagnoses it; validation and messages are radixNet's.
 * @param opts.suggestions how many ok alternatives to look for when at risk (default 3, 0 for none)
 */
export function diagnoseRadixNet(
  list: RadixList | string,
  layers: number[],
  opts: { kron?: number[]; suggestions?: number } = {},
): RadixDiagnosis {
  const net = radixNet(list, layers, { kron: opts.kron });
  const diagnosis = diagnoseMasks(net.masks);
  const family = inRiskScope(formatRadixList(net.radices), layers, opts.kron);
  const suggestions =
    diagnosis.verdict === 'ok' || opts.kron !== undefined
      ? []
      : suggestAlternatives(net.radices, layers, net.sparsity, opts.suggestions ?? 3);
  return {
    radices: formatRadixList(net.radices),
    kron: net.kron,
    N: net.N,
    sparsity: net.sparsity,
    kroneckerSparsity: net.kroneckerSparsity,
    ...diagnosis,
    suggestions,
    calibratedRisk: calibratedRisk(formatRadixList(net.radices), layers, opts.kron, MEASURED_RISK),
    // measured remedies of the same kind of model (the family's remedies were measured to fail on Fig. 4's stuck
    // lists); 'nearby' is a remedy only where diagnose has a nearby list to offer
    prevention:
      diagnosis.verdict === 'ok'
        ? null
        : cheapestMeasure(measuredRows(family).filter((r) => r.measure !== 'nearby' || suggestions.length > 0)),
    preventionMeasuredOn: family ? 'family' : 'other',
  };
}

/** What diagnose says of the measured risk and, when at risk, the measured remedy. */
export function riskSectionLines(d: RadixDiagnosis): string[] {
  const lines = calibratedRiskLines(d.calibratedRisk, MEASURED_SOURCE);
  if (d.verdict !== 'ok') {
    const p = d.prevention;
    const family = d.preventionMeasuredOn === 'family';
    const base = measuredRows(family).find((r) => r.measure === 'baseline');
    const on = family ? PREVENTION_MODELS : `Fig. 4 lists outside the simple family: ${PREVENTION_MODELS_OTHER}`;
    lines.push(
      p
        ? `cheapest measured remedy: ${PREVENTION_TEXT[p.measure] ?? p.measure} (${p.normal} of ${p.runs} runs ended normal, 95% CI ` +
            `${p.ciLow.toFixed(2)}-${p.ciHigh.toFixed(2)}, against the unchanged protocol's ${base?.normal ?? '?'} of ` +
            `${base?.runs ?? '?'}; ${Math.round(p.addedWeights)} parameters added), measured on ${on}`
        : `no measured remedy passed (docs/strange-models.md; measured on ${on})` +
            (d.suggestions.length ? '; nearby lists below avoid the narrow outputs' : ''),
    );
  }
  return lines;
}

function measuredRows(family: boolean): MeasureRow[] {
  return family ? MEASURED_PREVENTION : MEASURED_PREVENTION_OTHER;
}

const PREVENTION_TEXT: Record<string, string> = {
  bias: 'train with biases (radixnet train --bias)',
  glorot: 'Glorot-uniform initialisation',
  'lr-3e-4': 'a learning rate of 3e-4',
  'sgd-momentum': 'SGD with momentum 0.9, learning rate 0.01',
  'dense-last': 'a dense last layer',
  'wider-last': 'a last hidden layer twice as wide',
  nearby: 'the first nearby list suggested below',
  'non-negative-last': 'non-negative initial weights in the last layer',
};

/** The smallest number of last-hidden units feeding any output; the strangeness predictor's feature. */
export function minOutputFanIn(d: Pick<Diagnosis, 'weightLayers'>): number {
  return d.weightLayers[d.weightLayers.length - 1].fanIn.min;
}

/**
 * Valid lists with the same sublist lengths near `list` (each radix changed by at most 3, or swapped for another radix
 * of the list), with default Kronecker widths and true sparsity >= `minSparsity`, whose diagnosis is ok; the closest
 * first, then the sparsest.
 */
export function suggestAlternatives(
  list: RadixList,
  layers: number[],
  minSparsity: number,
  count: number,
): Suggestion[] {
  if (count <= 0) return [];
  const flat = list.flat();
  const lengths = list.map((s) => s.length);
  const choices = flat.map((r) => {
    const values = new Set<number>(flat);
    for (let d = -3; d <= 3; d++) if (r + d >= 1) values.add(r + d);
    return [...values].sort((a, b) => a - b);
  });
  const combos = choices.reduce((n, c) => n * c.length, 1);
  // beyond this the search costs more than a diagnosis is worth; long lists get no suggestions rather than a stall
  if (combos > 200_000) return [];
  const own = formatRadixList(list);
  const candidates: { list: RadixList; text: string; distance: number; sparsity: number; kroneckerSparsity: number }[] =
    [];
  const pick = new Array<number>(flat.length).fill(0);
  for (let done = false; !done;) {
    const values = pick.map((k, p) => choices[p][k]);
    const cand = split(values, lengths);
    const text = formatRadixList(cand);
    if (text !== own && isValidRadixList(cand, layers.length - 1)) {
      const s = radixNetSparsity(cand, layers);
      if (s.sparsity >= minSparsity) {
        const distance = values.reduce((sum, v, p) => sum + Math.abs(v - flat[p]), 0);
        candidates.push({ list: cand, text, distance, ...s });
      }
    }
    done = advance(pick, choices);
  }
  candidates.sort((a, b) => a.distance - b.distance || b.sparsity - a.sparsity || (a.text < b.text ? -1 : 1));
  const found: Suggestion[] = [];
  for (const c of candidates) {
    const masks = radixNet(c.list, layers).masks;
    const d = diagnoseMasks(masks);
    if (d.verdict !== 'ok') continue;
    found.push({
      radices: c.text,
      sparsity: c.sparsity,
      kroneckerSparsity: c.kroneckerSparsity,
      distance: c.distance,
      minOutputFanIn: minOutputFanIn(d),
    });
    if (found.length === count) break;
  }
  return found;
}

function findRisks(layers: number[], units: UnitLayerDiagnosis[], classes: ClassDiagnosis[] | null): Risk[] {
  const risks: Risk[] = [];
  const depth = layers.length - 1;
  if (classes) {
    const dead = classes.filter((c) => c.inputReach === 0).map((c) => c.output);
    if (dead.length > 0) {
      risks.push({
        kind: 'dead-output',
        text:
          `output${plural(dead)} ${list(dead)} ${dead.length === 1 ? 'is' : 'are'} ` +
          'reached by no input, so the network can never predict ' +
          (dead.length === 1 ? 'that class' : 'those classes'),
      });
    }
    const narrow = classes.filter((c) => c.inputReach > 0 && c.fanIn < MIN_OUTPUT_FAN_IN);
    if (narrow.length > 0 && depth >= 2) {
      const least = Math.min(...narrow.map((c) => c.fanIn));
      const most = Math.max(...narrow.map((c) => c.fanIn));
      risks.push({
        kind: 'narrow-output',
        text:
          `output${plural(narrow.map((c) => c.output))} ` +
          `${list(narrow.map((c) => c.output))} ${narrow.length === 1 ? 'is' : 'are'} fed by ${least === most ? 'only' : 'as few as'} ` +
          `${least} unit${least === 1 ? '' : 's'} of the last hidden layer (fewer than ${MIN_OUTPUT_FAN_IN}): without biases such a ` +
          "class's score is a weighted sum of that few non-negative ReLU outputs, and trained models like this never " +
          'predict some of their classes. ' +
          (least <= STRANGE_MAX_OUTPUT_FAN_IN
            ? `The topology rule predicts this model strange (an output fed by <= ${STRANGE_MAX_OUTPUT_FAN_IN} unit)`
            : 'Models like this train strangely on some seeds, but the topology rule does not predict them strange'),
      });
    }
  }
  const cut = units.slice(1, depth).reduce((s, u) => s + u.unreachable, 0);
  if (cut > 0) {
    risks.push({
      kind: 'unreachable-units',
      text:
        `${cut} hidden unit${cut === 1 ? '' : 's'} receive${cut === 1 ? 's' : ''} ` +
        'no path from any input and can only output 0',
    });
  }
  if (units[0].useless > 0) {
    risks.push({
      kind: 'pixels-cut-off',
      text: `${units[0].useless} of ${layers[0]} inputs reach no output, so the ` + 'network ignores them',
    });
  }
  return risks;
}

/** Units reachable from some input, per unit layer. */
function forwardReach(masks: readonly SparseMask[]): Uint8Array[] {
  const reach = [new Uint8Array(masks[0].nIn).fill(1)];
  for (const m of masks) {
    const prev = reach[reach.length - 1];
    const next = new Uint8Array(m.nOut);
    for (let o = 0; o < m.nOut; o++) {
      for (let k = m.rowPtr[o]; k < m.rowPtr[o + 1]; k++) {
        if (prev[m.colIdx[k]]) {
          next[o] = 1;
          break;
        }
      }
    }
    reach.push(next);
  }
  return reach;
}

/** Units with a path to some output, per unit layer. */
function backwardReach(masks: readonly SparseMask[]): Uint8Array[] {
  const reach = [new Uint8Array(masks[masks.length - 1].nOut).fill(1)];
  for (let l = masks.length - 1; l >= 0; l--) {
    const m = masks[l];
    const after = reach[0];
    const before = new Uint8Array(m.nIn);
    for (let o = 0; o < m.nOut; o++) {
      if (!after[o]) continue;
      for (let k = m.rowPtr[o]; k < m.rowPtr[o + 1]; k++) before[m.colIdx[k]] = 1;
    }
    reach.unshift(before);
  }
  return reach;
}

/**
 * For each output c, the column c of M_0 M_1 ... M_{L-1} (path counts from every unit to c), built backwards one
 * sparse mask at a time; its nonzeros in layer l are the units of layer l that reach c.
 */
function sweepClasses(
  masks: readonly SparseMask[],
  outputFanIn: Int32Array,
): { classes: ClassDiagnosis[]; paths: PathDiagnosis } {
  const depth = masks.length;
  const nOut = masks[depth - 1].nOut;
  const nIn = masks[0].nIn;
  const all = new Float64Array(nIn * nOut);
  const classes: ClassDiagnosis[] = [];
  for (let c = 0; c < nOut; c++) {
    let v = new Float64Array(nOut);
    v[c] = 1;
    const hiddenReach: number[] = [];
    for (let l = depth - 1; l >= 0; l--) {
      const m = masks[l];
      const before = new Float64Array(m.nIn);
      for (let o = 0; o < m.nOut; o++) {
        const w = v[o];
        if (w === 0) continue;
        for (let k = m.rowPtr[o]; k < m.rowPtr[o + 1]; k++) before[m.colIdx[k]] += w;
      }
      v = before;
      if (l > 0) hiddenReach.unshift(countNonzero(v));
    }
    all.set(v, c * nIn);
    classes.push({ output: c, hiddenReach, inputReach: countNonzero(v), fanIn: outputFanIn[c], paths: spread(v) });
  }
  return { classes, paths: { perPair: spread(all), zeroPairs: all.length - countNonzero(all), pairs: all.length } };
}

function countZeros(a: Int32Array): number {
  let n = 0;
  for (let k = 0; k < a.length; k++) if (a[k] === 0) n++;
  return n;
}

function countOnes(a: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < a.length; k++) n += a[k];
  return n;
}

function countNonzero(a: Float64Array): number {
  let n = 0;
  for (let k = 0; k < a.length; k++) if (a[k] !== 0) n++;
  return n;
}

function split(values: number[], lengths: number[]): RadixList {
  const out: RadixList = [];
  let at = 0;
  for (const len of lengths) {
    out.push(values.slice(at, at + len));
    at += len;
  }
  return out;
}

/** Odometer over per-position choice indices, last position fastest; true after the last combination. */
function advance(pick: number[], choices: number[][]): boolean {
  for (let p = pick.length - 1; p >= 0; p--) {
    if (++pick[p] < choices[p].length) return false;
    pick[p] = 0;
  }
  return true;
}

function plural(items: unknown[]): string {
  return items.length === 1 ? '' : 's';
}

/** "0, 1, 2" or "0, 1, ... (12 in all)" for long lists. */
function list(items: number[]): string {
  return items.length <= 6 ? items.join(', ') : `${items.slice(0, 5).join(', ')}, ... (${items.length} in all)`;
}

function spread(values: ArrayLike<number>): Spread {
  const { min, median, max } = spreadOf(Array.from(values));
  return { min, median, max };
}
