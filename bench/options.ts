// The options of `npm run bench`, parsed before anything is measured: --help prints the usage, a wrong option is one
// line and exit 2 (not a stack trace from node:util).
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** One repeat instead of three, fewer tfjs steps. */
  quick: boolean;
  /** Skip the tfjs baselines and paths. */
  noTfjs: boolean;
  /** Skip PyTorch. */
  noTorch: boolean;
  /** The results as JSON on stdout (tables go to stderr). */
  json: boolean;
  /** Instead: the whole `radixnet train` per runtime (Node lines, Bun, Deno) next to this Node's. */
  runtimes: boolean;
  /** Only the training table with PyTorch beside it (no kernel, dispatch or tfjs tables). */
  training: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--training] [--no-tfjs] [--no-torch] [--json] [--runtimes]

Times radixnet's kernels and training side by side with tfjs (cpu, wasm, tfjs-node when installed) and PyTorch
(when python3 has torch); prints the tables and writes bench/out/bench.json.

  --quick     one repeat and fewer tfjs steps (a first look; the numbers are noisier)
  --training  only our training epochs with PyTorch's beside them and the ratios against the goals (no kernel,
              dispatch or tfjs tables)
  --no-tfjs   skip the tfjs baselines and paths
  --no-torch  skip PyTorch
  --json      print the results as JSON on stdout, the tables on stderr
  --runtimes  instead, time the whole \`radixnet train\` under Node 20.19, 22, 24, the newest Node, Bun and Deno next
              to this Node (docs/runtimes.md); with --quick, one round instead of three
  -h, --help  print this
`;

/** The options, or what to print and the exit code when the bench must not run. */
export function parseBenchOptions(argv: string[]): BenchOptions | { exit: 0 | 2; stdout?: string; stderr?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        'no-tfjs': { type: 'boolean' },
        'no-torch': { type: 'boolean' },
        json: { type: 'boolean' },
        runtimes: { type: 'boolean' },
        training: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { exit: 2, stderr: `bench: ${(err as Error).message.split('\n')[0]}\n${BENCH_USAGE}` };
  }
  if (values.help) return { exit: 0, stdout: BENCH_USAGE };
  return {
    quick: values.quick === true,
    noTfjs: values['no-tfjs'] === true,
    noTorch: values['no-torch'] === true,
    json: values.json === true,
    runtimes: values.runtimes === true,
    training: values.training === true,
  };
}
