// The summary of the strange-causes experiment (src/suite/experiments/strange-causes.ts): per stage, what its records
// measure (risk calibration, preventive measures, slow vs stuck, per-run prediction). It reads records only, so it
// runs on any results file, merged shards included, and on a file holding only some of the stages.
import type { RunRecord } from '../records/run-record.js';

/** A summary as the suite prints it: lines of text and plain data. */
export interface Summary {
  text: string[];
  data: Record<string, unknown>;
}
import { evaluateRisk, riskLines, riskRuns, type RiskEvaluation } from './strange-risk.js';
import { cheapestMeasure, measureLines, measureTable } from './prevention.js';
import {
  binNormalLevels,
  classifySlowStuck,
  compareAucs,
  crossValidatedScores,
  topologyFeatures,
  type SlowStuck,
} from './slow-stuck.js';
import {
  allNegativeCounts,
  evaluatePredictors,
  evaluateStepPredictors,
  predictorRuns,
  signTable,
  stepRuns,
  STEP_FEATURES,
  CLASS_FEATURES,
} from './run-predictor.js';
import { countLostClasses, lostClassLine } from './per-class.js';
import { isStrange, predictorReport } from './strangeness.js';

/** The parameters the summary reads (a subset of the experiment's). */
export interface CausesParams {
  layers: number[];
  threshold: number;
}

/** Candidate features of stuck, each added to sparsity in turn (src/analysis/slow-stuck.ts). */
export const STUCK_FEATURES = [
  'minOutputFanIn',
  'logMinOutputFanIn',
  'outputFanInSpread',
  'minFirstFanIn',
  'minHiddenFanIn',
  'logMinPaths',
  'logMedianPaths',
  'minLastHiddenReach',
  'lastRadix',
  'lastPlaceValue',
  'N',
];

/** The summary of a strange-causes results file. */
export function summarizeCauses(records: readonly RunRecord[], p: CausesParams): Summary {
  const text: string[] = [];
  // lost classes are counted per stage below, and the rule is scored on the paper-protocol runs only
  const data: Record<string, unknown> = {
    lostClasses: countLostClasses(
      records.map((r) => r.final?.testRecall).filter((x): x is number[] => Array.isArray(x)),
    ),
  };
  const stage = (s: string): RunRecord[] => records.filter((r) => r.tags.stage === s);
  for (const s of ['calibrate', 'prevent', 'fig4-screen', 'fig4-retrain', 'coin']) {
    const rs = stage(s);
    if (rs.length === 0) continue;
    const strange = rs.filter((r) => isStrange(r.final!.trainAccuracy, p.threshold)).length;
    const recalls = rs.map((r) => r.final?.testRecall).filter((x): x is number[] => Array.isArray(x));
    text.push(
      `${s}: ${rs.length} runs, ${strange} strange (training accuracy <= ${p.threshold}); ${lostClassLine(countLostClasses(recalls))}`,
    );
  }

  const calib = stage('calibrate');
  const fit = calib.filter((r) => r.tags.role === 'fit');
  const evaluation = calib.filter((r) => r.tags.role === 'eval');
  if (fit.length && evaluation.length) {
    const e: RiskEvaluation = evaluateRisk(
      riskRuns(fit, p.layers, p.threshold),
      riskRuns(evaluation, p.layers, p.threshold),
    );
    text.push('', ...riskLines(e));
    data.risk = e;
    const rule = predictorReport(calib, { measure: 'train', threshold: p.threshold });
    text.push(...rule.text);
    data.predictor = rule.data;
  }

  if (stage('prevent').length) {
    const rows = measureTable(records, p.threshold);
    const best = cheapestMeasure(rows);
    const models = [...new Set(stage('prevent').map((r) => String(r.tags.radices)))];
    text.push(
      '',
      `preventive measures on ${models.join(' ')} (runs that end normal, training accuracy > ${p.threshold}):`,
      ...measureLines(rows),
      `  cheapest measure that works (95% CI of recovery above 0.7, Fisher p < 0.05 against the baseline): ${best ? best.measure : 'none'}`,
    );
    // the pooled rows hide which models a measure fails on: runs ending normal per model (and seeds run)
    const byModel = models.map((m) => {
      const rs = records.filter((r) => String(r.tags.radices) === m);
      const cells = rows
        .map((row) => {
          const mine = rs.filter(
            (r) => r.tags.measure === row.measure && (row.measure === 'baseline' || r.tags.stage === 'prevent'),
          );
          const normal = mine.filter((r) => !isStrange(r.final!.trainAccuracy, p.threshold)).length;
          return mine.length ? `${row.measure} ${normal}/${mine.length}` : null;
        })
        .filter((c): c is string => c !== null);
      return { model: m, fanIn: rs[0]?.tags.fanIn ?? null, cells };
    });
    text.push(
      '  runs ending normal per model (output fan-in):',
      ...byModel.map((b) => `    ${b.model.padEnd(10)} (${String(b.fanIn)}): ${b.cells.join(', ')}`),
    );
    data.prevention = { models, rows, cheapest: best?.measure ?? null, byModel };
  }

  const screen = stage('fig4-screen');
  const retrain = stage('fig4-retrain');
  if (screen.length && retrain.length) {
    const levels = binNormalLevels(screen, p.threshold);
    const verdicts: SlowStuck[] = retrain.map((r) => classifySlowStuck(r, levels));
    const stuck = verdicts.filter((v) => v.verdict === 'stuck');
    const bad = screen.filter((r) => (r.final?.valAccuracy ?? 1) <= p.threshold);
    text.push(
      '',
      `Fig. 4 screen: ${screen.length} lists, ${bad.length} at or below ${p.threshold} validation accuracy; ${retrain.length} retrained ` +
        `${retrain[0].config?.epochs} epochs: ${verdicts.length - stuck.length} slow (reach their bin's normal level), ${stuck.length} stuck; ` +
        `stuck with a lost class: ${stuck.filter((v) => v.lostClasses.length > 0).length}, slow with a lost class: ` +
        `${verdicts.filter((v) => v.verdict === 'slow' && v.lostClasses.length > 0).length}`,
    );
    for (const v of verdicts) {
      text.push(
        `  ${v.radices.padEnd(12)} sparsity ${v.sparsity.toFixed(3)}  screen ${v.screenValAccuracy.toFixed(3)}  best ${v.bestValAccuracy.toFixed(3)}  ` +
          `level ${v.level.toFixed(3)}  ${v.verdict}${v.caughtUpAt ? ` at epoch ${v.caughtUpAt}` : ''}  lost classes ${v.lostClasses.join(',') || '-'}`,
      );
    }
    // stuck against everything else screened (normal or slow); badly trained lists not retrained are left out
    const verdictOf = new Map(verdicts.map((v) => [v.radices, v.verdict]));
    const rows = screen
      .filter((r) => (r.final?.valAccuracy ?? 1) > p.threshold || verdictOf.has(r.topology.radices))
      .map((r) => ({
        features: topologyFeatures(r.topology.radices, p.layers),
        label: verdictOf.get(r.topology.radices) === 'stuck',
      }));
    const y = rows.map((r) => r.label);
    const base = crossValidatedScores(rows, ['sparsity']);
    const aucs = [['sparsity'], ...STUCK_FEATURES.map((f) => ['sparsity', f])].map((features) => ({
      features,
      ...compareAucs(crossValidatedScores(rows, features), base, y),
    }));
    const f3 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
    text.push(
      `  stuck vs the rest of the screened lists (${rows.length} lists, ${rows.filter((r) => r.label).length} stuck), 5-fold cross-validated ROC AUC ` +
        '(paired bootstrap 95% CIs over lists):',
      `    ${'features'.padEnd(32)} ${'AUC'.padStart(5)}  95% CI         gain over sparsity  95% CI`,
      ...aucs.map(
        (a) =>
          `    ${a.features.join(' + ').padEnd(32)} ${f3(a.auc)}  ${f3(a.aucCi[0])}-${f3(a.aucCi[1])}    ` +
          `${f3(a.gain).padStart(6)}  ${f3(a.gainCi[0])} to ${f3(a.gainCi[1])}`,
      ),
    );
    data.slowStuck = { verdicts, levels: Object.fromEntries(levels), aucs, lists: rows.length };
  }

  const signs = signTable(records.filter((r) => r.tags.measure === 'baseline'));
  if (signs.length) {
    text.push(
      '',
      'classes lost (test recall < 5%) by the sign of their feeding weights at step 0 (baseline runs with feed data):',
      '  class fan-in  all negative: lost/classes  otherwise: lost/classes  Fisher p',
      ...signs.map(
        (s) =>
          `  ${String(s.fanIn).padStart(12)}  ${`${s.allNegativeLost}/${s.allNegative}`.padStart(26)}  ` +
          `${`${s.otherLost}/${s.other}`.padStart(23)}  ${s.p.toPrecision(2)}`,
      ),
    );
    data.signs = signs;
  }

  const feedRuns = records.filter((r) => r.data?.feed && Number(r.tags.fanIn) === 2);
  const pfit = predictorRuns(feedRuns.filter((r) => r.tags.role === 'fit'));
  const peval = predictorRuns(feedRuns.filter((r) => r.tags.role === 'eval'));
  if (pfit.length && peval.length) {
    const e = evaluatePredictors(pfit, peval, allNegativeCounts(feedRuns));
    const f = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
    text.push(
      '',
      `per-run prediction of a lost class, output fan-in 2 models: fitted on ${pfit.length} runs, scored on ${peval.length} runs of other seeds ` +
        `(${e.step0.positives} lost a class)`,
      `  step 0 (feeding weights, activities, first gradients): precision ${f(e.step0.precision)}, recall ${f(e.step0.recall)}, AUC ${f(e.step0.auc)} ` +
        `(${e.step0.predicted} predicted)`,
      `  after epoch 1 (least per-class training recall < ${e.epoch1.threshold.toFixed(3)}): precision ${f(e.epoch1.precision)}, recall ${f(e.epoch1.recall)}, ` +
        `AUC ${f(e.epoch1.auc)} (${e.epoch1.predicted} predicted)`,
      `  classes whose feeding weights are all negative at step 0: ${e.allNegative.lost} of ${e.allNegative.classes} lost; other classes ` +
        `${e.allNegative.otherLost} of ${e.allNegative.otherClasses} (Fisher p ${e.allNegative.p.toPrecision(2)})`,
    );
    data.perRun = e;
  }

  // the coin stage's runs record per-class views at step 0, after steps of epoch 1 and after epoch 1
  const coin = stage('coin');
  const sfit = stepRuns(coin.filter((r) => r.tags.role === 'fit'));
  const seval = stepRuns(coin.filter((r) => r.tags.role === 'eval'));
  if (sfit.length && seval.length) {
    const rows = evaluateStepPredictors(sfit, seval);
    const f = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
    const ci = (c: [number, number]): string => `${f(c[0])}-${f(c[1])}`;
    const models = [...new Set(coin.map((r) => String(r.tags.radices)))];
    text.push(
      '',
      `per-run prediction of a lost class by how far into training it looks (coin stage: ${models.join(' ')}): fitted on ` +
        `${sfit.length} runs, scored on ${seval.length} runs of other seeds (${seval.filter((r) => r.lost).length} lost a class); ` +
        `run model: logistic on ${STEP_FEATURES.join(', ')}; class model: logistic per class on ${CLASS_FEATURES.join(', ')}, ` +
        'a run losing some class at 1 - prod(1 - p); probability thresholds chosen on the fit runs (largest F1)',
      '  after       model  precision  95% CI       recall  95% CI       AUC    predicted  class AUC',
      ...rows.map(
        (r) =>
          `  ${r.point.padEnd(10)}  ${r.model.padEnd(5)}  ${f(r.precision).padStart(9)}  ${ci(r.precisionCi).padEnd(11)}  ` +
          `${f(r.recall).padStart(6)}  ${ci(r.recallCi).padEnd(11)}  ${f(r.auc)}  ${String(r.predicted).padStart(9)}  ${f(r.classAuc).padStart(9)}`,
      ),
    );
    data.perRunSteps = { fitRuns: sfit.length, evalRuns: seval.length, models, rows };
  }
  if (!('predictor' in data)) data.predictor = null;
  return { text, data };
}
