// `radixnet enumerate`: the radix-list sets behind the paper's figures, as a table or JSON, with their counts.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { parseFactors, simpleFamily, validPermutations } from '../topology/index.js';
import { table } from './format.js';
import type { Io } from './io.js';
import { layersOption } from './options.js';

export interface EnumerateOptions {
  family: 'permutations' | 'simple';
  /** permutations: the factors' text, a range 1..10 or a list 2,3,5. */
  factors: string;
  layers: number[];
  /** permutations: the first radix list of each distinct topology only. */
  distinct: boolean;
  /** simple: largest i and j (text, checked here). */
  max: string;
  /** simple: smallest Kronecker sparsity kept (text, checked here). */
  minSparsity: string;
  force: boolean;
  /** Options given on the command line, so that one meant for the other family is refused. */
  given: string[];
}

/** What `enumerate` answers with: the lists and their counts. */
export interface EnumerateResult<Row> {
  lists: Row[];
  summary: Record<string, unknown>;
}

/** The counts the paper reports, printed next to ours. */
const PAPER_PERMUTATIONS = 1130;
const PAPER_SIMPLE = 426;

export function enumerateRun(opts: EnumerateOptions, io: Io): void {
  if (opts.family === 'permutations') {
    for (const name of ['max', 'minSparsity'].filter((n) => opts.given.includes(n))) rejectOption(name, 'simple');
    permutations(parseFactors(opts.factors), opts, io);
  } else if (opts.family === 'simple') {
    for (const name of ['factors', 'distinct'].filter((n) => opts.given.includes(n)))
      rejectOption(name, 'permutations');
    simple(opts, io);
  } else {
    throw new InputError(`--family is '${String(opts.family)}'; choose permutations or simple`);
  }
}

/** Adds `radixnet enumerate` to the program. */
export function registerEnumerate(program: Command, io: Io): void {
  program
    .command('enumerate')
    .description(
      'list radix lists with their sparsity and Kronecker sparsity: every valid list built from a set of ' +
        'factors (paper Fig. 3-5), or the [[i,j],[k]] "simple family" of the strange-model study (Fig. 8). ' +
        'Ends with the counts (lists, distinct topologies)',
    )
    .option(
      '--family <name>',
      'permutations (every sequence of factors, cut every way) or simple ([[i,j],[k]])',
      'permutations',
    )
    .option('--factors <set>', 'permutations: the factors, a range 1..10 or a list 2,3,5', '1..10')
    .addOption(layersOption('layer sizes n_0,...,n_L'))
    .option('--distinct', 'permutations: list only the first radix list of each distinct topology')
    .option('--max <radix>', 'simple: largest i and j', '15')
    .option('--min-sparsity <s>', 'simple: keep models with Kronecker sparsity >= s', '0.9')
    .option('--json', 'print the lists and counts as JSON (docs/cli.md)')
    .option('--force', 'go past the enumeration size allowed by default (RADIXNET_MAX_ENUMERATION candidate lists)')
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet enumerate --factors 1..10 --layers 784,300,100,10\n' +
        '  radixnet enumerate --factors 2,3,5 --distinct --json\n  radixnet enumerate --family simple --max 15 --min-sparsity 0.9',
    )
    .action(
      (
        f: Omit<EnumerateOptions, 'distinct' | 'force' | 'given'> & { distinct?: boolean; force?: boolean },
        command: Command,
      ) =>
        enumerateRun(
          {
            family: f.family,
            factors: f.factors,
            layers: f.layers,
            distinct: f.distinct === true,
            max: f.max,
            minSparsity: f.minSparsity,
            force: f.force === true,
            given: Object.keys(command.opts()).filter((name) => command.getOptionValueSource(name) === 'cli'),
          },
          io,
        ),
    );
}

function permutations(factors: number[], opts: EnumerateOptions, io: Io): void {
  const { layers } = opts;
  const { lists, distinctTopologies } = validPermutations(factors, layers, {
    force: opts.force,
    warn: (line) => io.warn(line),
  });
  const seen = new Set<number>();
  const shown = opts.distinct ? lists.filter((x) => !seen.has(x.topology) && seen.add(x.topology)) : lists;
  const rows = shown.map((x) => ({
    radices: x.text,
    list: x.radices,
    sparsity: x.sparsity,
    kroneckerSparsity: x.kroneckerSparsity,
    topology: x.topology,
  }));
  const summary = {
    family: 'permutations',
    factors,
    layers,
    lists: lists.length,
    distinctTopologies,
    shown: rows.length,
    paper: PAPER_PERMUTATIONS,
  };
  io.result({ lists: rows, summary }, () => [
    ...table(
      ['radix list', 'sparsity', 'kronecker sparsity', 'topology'],
      rows.map((r) => [r.radices, String(r.sparsity), String(r.kroneckerSparsity), String(r.topology)]),
    ),
    `${lists.length} valid radix lists, ${distinctTopologies} distinct topologies ` +
      `(factors ${factors.join(',')} on ${layers.join(',')}; the paper quotes ${PAPER_PERMUTATIONS} networks)`,
  ]);
}

function simple(opts: EnumerateOptions, io: Io): void {
  const { layers } = opts;
  const max = Number(opts.max);
  const minKroneckerSparsity = Number(opts.minSparsity);
  if (!/^\s*\d+\s*$/.test(opts.max)) throw new InputError(`--max is '${opts.max}'; give a whole number such as 15`);
  if (
    !Number.isFinite(minKroneckerSparsity) ||
    opts.minSparsity.trim() === '' ||
    minKroneckerSparsity < 0 ||
    minKroneckerSparsity > 1
  ) {
    throw new InputError(`--min-sparsity is '${opts.minSparsity}'; give a number from 0 to 1 such as 0.9`);
  }
  const family = simpleFamily({ max, minKroneckerSparsity, layers, force: opts.force, warn: (line) => io.warn(line) });
  const rows = family.models.map((m, index) => ({
    index,
    radices: m.text,
    list: m.radices,
    kron: m.kron,
    sparsity: m.sparsity,
    kroneckerSparsity: m.kroneckerSparsity,
  }));
  const summary = {
    family: 'simple',
    max,
    minKroneckerSparsity,
    layers,
    candidates: family.candidates,
    distinctKroneckerSparsities: family.distinct,
    models: rows.length,
    paper: PAPER_SIMPLE,
  };
  io.result({ lists: rows, summary }, () => [
    ...table(
      ['index', 'radix list', 'B', 'kronecker sparsity', 'sparsity'],
      rows.map((r) => [String(r.index), r.radices, r.kron.join(','), String(r.kroneckerSparsity), String(r.sparsity)]),
    ),
    `${rows.length} models with kronecker sparsity >= ${minKroneckerSparsity} (${family.distinct} distinct values ` +
      `among ${family.candidates} lists [[i,j],[k]], i,j <= ${max}; the paper: ${PAPER_SIMPLE} models)`,
  ]);
}

function rejectOption(name: string, family: string): never {
  const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new InputError(`${flag} applies only to --family ${family}; drop it or add --family ${family}`);
}
