// `radixnet predict MODEL --data FILE`: labels and probabilities of a saved model on new samples (src/suite/predict.ts).
import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { SCALES, type Scale } from '../data/source.js';
import {
  predictFile,
  predictionsCsv,
  predictionsJson,
  predictionsObject,
  type PredictionsObject,
} from '../suite/predict.js';
import { choiceOption } from './options.js';
import type { Io } from './io.js';

export interface PredictOptions {
  /** The model folder (model.json and its weights). */
  model: string;
  /** The samples: a CSV, an .npy of features or an idx samples file. */
  data: string;
  /** Their labels (.npy or idx): the accuracy too. */
  labels?: string;
  /** CSV: the column of known labels (not a feature). */
  labelColumn?: string;
  /** Override the scaling model.json names. */
  scale?: Scale;
  /** How the predictions are printed (without --json): CSV rows or one JSON document. */
  format: 'csv' | 'json';
  /** Write the predictions (in `format`) here, whole, then renamed into place. */
  out?: string;
}

/** What `predict --json` answers with: the predictions (when not written to --out), and where they went. */
export type PredictResult = Omit<PredictionsObject, 'predictions'> & {
  model: string;
  data: string;
  out: string | null;
  predictions?: PredictionsObject['predictions'];
};

export async function predictRun(opts: PredictOptions, io: Io): Promise<void> {
  const p = await predictFile(opts.model, {
    data: opts.data,
    labels: opts.labels,
    labelColumn: opts.labelColumn,
    scale: opts.scale,
  });
  const note = `${p.count} samples predicted (scale ${p.scale})${p.accuracy !== null ? `, accuracy ${p.accuracy.toFixed(4)}` : ''}`;
  const all = predictionsObject(p);
  const text = opts.format === 'json' ? predictionsJson(p) : predictionsCsv(p);
  if (!opts.out) {
    io.note(note);
    // the predictions are the answer (their last newline is the one io ends an answer with)
    io.result<PredictResult>({ model: opts.model, data: opts.data, out: null, ...all }, text.replace(/\n$/, ''));
    return;
  }
  const part = `${opts.out}.part-${process.pid}`;
  writeFileSync(part, text);
  renameSync(part, opts.out);
  const { predictions: _, ...counts } = all;
  io.result<PredictResult>(
    { model: opts.model, data: opts.data, out: opts.out, ...counts },
    `${note}; written to ${opts.out}`,
  );
}

/** Adds `radixnet predict MODEL --data FILE` to the program. */
export function registerPredict(program: Command, io: Io): void {
  program
    .command('predict')
    .description('predict labels and class probabilities of new samples with a model saved by radixnet train --save')
    .argument('<model>', 'the model folder (model.json and its weights)')
    .requiredOption(
      '--data <file>',
      'samples: a CSV (every column a feature unless --label-column), an .npy of features, or an idx samples file',
    )
    .option('--labels <file>', 'their labels (.npy or idx): also report the accuracy')
    .option(
      '--label-column <name|index>',
      'CSV: the column holding known labels (not a feature): also report the accuracy',
    )
    .option(
      '--scale <how>',
      `override the scaling the model was trained with (${SCALES.join(', ')}; default: what model.json says)`,
      choiceOption('--scale', SCALES),
    )
    .option(
      '--format <fmt>',
      'csv (row, label, p0..) or json',
      choiceOption('--format', ['csv', 'json'] as const),
      'csv',
    )
    .option('--out <file>', 'write the predictions here (whole, then renamed into place) instead of stdout')
    .option('--json', 'answer with a JSON envelope (docs/cli.md): counts, accuracy and the predictions')
    .action((model: string, f: Omit<PredictOptions, 'model'>) =>
      predictRun(
        {
          model,
          data: f.data,
          labels: f.labels,
          labelColumn: f.labelColumn,
          scale: f.scale,
          format: f.format,
          out: f.out,
        },
        io,
      ),
    );
}
