// `radixnet predict MODEL --data FILE`: labels and probabilities of a saved model on new samples (src/suite/predict.ts).
import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { SCALES, type Scale } from '../data/source.js';
import { predictFile, predictionsCsv, predictionsJson } from '../suite/predict.js';
import { choiceOption } from './options.js';

export function registerPredict(program: Command): void {
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
    .action(
      async (
        model: string,
        o: { data: string; labels?: string; labelColumn?: string; scale?: Scale; format: 'csv' | 'json'; out?: string },
      ) => {
        const p = await predictFile(model, {
          data: o.data,
          labels: o.labels,
          labelColumn: o.labelColumn,
          scale: o.scale,
        });
        const text = o.format === 'json' ? predictionsJson(p) : predictionsCsv(p);
        const note = `${p.count} samples predicted (scale ${p.scale})${p.accuracy !== null ? `, accuracy ${p.accuracy.toFixed(4)}` : ''}`;
        if (!o.out) {
          process.stdout.write(text);
          process.stderr.write(note + '\n');
          return;
        }
        const part = `${o.out}.part-${process.pid}`;
        writeFileSync(part, text);
        renameSync(part, o.out);
        console.error(`${note}; written to ${o.out}`);
      },
    );
}
