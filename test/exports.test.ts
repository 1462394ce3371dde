// The package's entries, exactly: for each entry of package.json `exports`, the names it exports (values at run time,
// values and types in its built .d.ts), a program compiled by tsc that imports every name through the package's own
// specifiers and pins each entry's value names at the type level, and a section of docs/api.md naming each value.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every entry: its values (functions, classes, constants) and its type-only names. */
const ENTRIES: Record<string, { values: string[]; types: string[] }> = {
  radixnet: {
    values: [
      'Engine',
      'InputError',
      'Mlp',
      'PAPER_PRESET',
      'Rng',
      'SparseMask',
      'formatRadixList',
      'loadMnist',
      'mnistDataset',
      'parseRadixList',
      'radixNet',
      'train',
      'trainMnist',
      'validPermutations',
      'validationSplit',
    ],
    types: [
      'Dataset',
      'EpochLogs',
      'Metrics',
      'MlpSpec',
      'Mnist',
      'RadixList',
      'RadixNet',
      'TrainConfig',
      'TrainHistory',
      'TrainHooks',
      'TrainOptions',
      'TrainResult',
    ],
  },
  'radixnet/topology': {
    values: [
      'CHALLENGE_BIAS',
      'CHALLENGE_KRON',
      'CHALLENGE_LAYERS',
      'CHALLENGE_SEED',
      'CHALLENGE_WEIGHT',
      'CHALLENGE_YMAX',
      'ChallengeNet',
      'LIMITS',
      'MAX_CANDIDATES',
      'MAX_DENSE_ELEMENTS',
      'MAX_PRODUCT',
      'SparseMask',
      'UnitLayer',
      'challengeBias',
      'challengeRadices',
      'defaultKron',
      'formatRadixList',
      'isValidRadixList',
      'parseFactors',
      'parseRadixList',
      'parseSizes',
      'product',
      'radixNet',
      'radixNetSparsity',
      'simpleFamily',
      'topologyKey',
      'unitLayers',
      'unitSize',
      'validPermutations',
      'validateLayers',
      'validateRadixList',
    ],
    types: [
      'ChallengeLayer',
      'EnumeratedList',
      'Enumeration',
      'EnumerationOptions',
      'FamilyModel',
      'FanStats',
      'LayerStats',
      'RadixList',
      'RadixNet',
      'SimpleFamily',
    ],
  },
  'radixnet/data': {
    values: [
      'SPLIT_SEED',
      'binarisedImage',
      'gather',
      'holdOut',
      'layerFiles',
      'loadMnist',
      'mnistCacheDir',
      'mnistChallengeImages',
      'mnistDataset',
      'readCategoriesTsv',
      'readImagesTsv',
      'readLayerTsv',
      'shuffleDataset',
      'validationSplit',
      'writeCategoriesTsv',
      'writeImagesTsv',
      'writeLayerTsv',
    ],
    types: ['Dataset', 'LoadMnistOptions', 'Mnist', 'MnistSplit', 'Samples', 'SparseImage', 'TsvLayer'],
  },
  'radixnet/engine': {
    values: [
      'DEFAULT_SEED',
      'Engine',
      'Mlp',
      'Spmm',
      'TrainingRun',
      'challengeBatch',
      'challengeInfer',
      'challengeMemory',
      'kernelVariant',
      'resolveOptimizer',
      'resolveThreads',
      'train',
    ],
    types: [
      'BatchLogs',
      'ChallengeInferOptions',
      'ChallengeInference',
      'EpochLogs',
      'InitName',
      'KernelVariant',
      'LayerSource',
      'Metrics',
      'MlpConfig',
      'MlpSpec',
      'OptimizerName',
      'OptimizerSpec',
      'PoolOptions',
      'SpmmProfile',
      'SpmmWeights',
      'StepProfile',
      'TrainEvent',
      'TrainHistory',
      'TrainHooks',
      'TrainOptions',
      'TrainingState',
    ],
  },
  'radixnet/tfjs': {
    values: [
      'KNOWN_BACKENDS',
      'Mask',
      'RADIX_BACKENDS',
      'RADIX_MATMUL',
      'RADIX_MATMUL_GRAD_INPUT',
      'RADIX_MATMUL_GRAD_WEIGHTS',
      'RadixDense',
      'backendUnavailable',
      'checkSaveTarget',
      'currentBackend',
      'evaluateFast',
      'fileSystem',
      'fit',
      'loadModel',
      'loadTfjsNode',
      'maskId',
      'modelTarget',
      'profileRadixOps',
      'radixDense',
      'radixKernelsActive',
      'radixMatMul',
      'radixModel',
      'readModelFolder',
      'registerFileRouter',
      'saveModel',
      'setRadixThreads',
      'useBackend',
    ],
    types: [
      'BackendName',
      'Implementation',
      'InitializerLike',
      'MaskSpec',
      'MaskValues',
      'ModelFiles',
      'ModelTarget',
      'RadixDenseArgs',
      'RadixFitArgs',
      'RadixFitOptions',
      'RadixHistory',
      'RadixModelArgs',
      'SaveOptions',
    ],
  },
  'radixnet/suite': {
    values: [
      'CHALLENGE_INPUTS',
      'COMPARE_BACKENDS',
      'EXPERIMENT_NAMES',
      'PAPER_PRESET',
      'RECORD_VERSION',
      'checkRecord',
      'compare',
      'configMasks',
      'defaultWorkers',
      'experiments',
      'getExperiment',
      'mergeChallenge',
      'mergeResults',
      'plan',
      'planId',
      'readResults',
      'resolveParams',
      'runChallenge',
      'runPlan',
      'summarizeFile',
      'summarizeRecords',
      'trainMnist',
    ],
    types: [
      'ChallengeMerge',
      'ChallengeOptions',
      'ChallengeRecord',
      'CompareOptions',
      'CompareRow',
      'Experiment',
      'ExperimentName',
      'MergeReport',
      'ParamSpec',
      'Plan',
      'PlannedRun',
      'ProgressEvent',
      'ReadResultsOptions',
      'RecordFinal',
      'RecordTopology',
      'ResultsFile',
      'RunContext',
      'RunOutcome',
      'RunPlanOptions',
      'RunPlanResult',
      'RunRecord',
      'RunSpec',
      'Summary',
      'Tags',
      'TrainConfig',
      'TrainMnistHooks',
      'TrainResult',
    ],
  },
  'radixnet/analysis': {
    values: [
      'MagnitudePruner',
      'PolynomialDecay',
      'STRANGE_ACCURACY',
      'diagnoseMasks',
      'diagnoseRadixNet',
      'isStrange',
      'keepCount',
      'magnitudePrune',
      'maskSparsity',
      'minOutputFanIn',
      'predictStrange',
      'prunedModel',
      'randomMask',
      'saliency',
      'saliencyStats',
      'suggestAlternatives',
    ],
    types: [
      'ClassDiagnosis',
      'Diagnosis',
      'LayerDiagnosis',
      'PathDiagnosis',
      'PolynomialDecayOptions',
      'RadixDiagnosis',
      'Risk',
      'SaliencyMap',
      'SaliencyRing',
      'SaliencyStats',
      'Spread',
      'StrangePrediction',
      'Suggestion',
      'UnitLayerDiagnosis',
    ],
  },
  'radixnet/figures': {
    values: [
      'buildReport',
      'graphEdges',
      'graphFigure',
      'heatmapFigure',
      'plotFor',
      'plots',
      'renderPng',
      'renderSvg',
      'resultsFiles',
      'writeFigure',
    ],
    types: [
      'FigureFormat',
      'GraphFigure',
      'HeatmapFigure',
      'HeatmapOptions',
      'Plot',
      'Report',
      'ReportOptions',
      'WrittenFigure',
    ],
  },
};

/** The names an entry's built .d.ts exports, split into values and types: the entry files are lists of re-exports. */
function declaredExports(dts: string): { values: string[]; types: string[] } {
  const out = { values: [] as string[], types: [] as string[] };
  const code = dts.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const m of code.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const item of m[2]
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)) {
      const isType = Boolean(m[1]) || item.startsWith('type ');
      const name = item
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!;
      (isType ? out.types : out.values).push(name);
    }
  }
  expect(code, 'an entry re-exports by name only').to.not.match(/export\s*\*/);
  out.values.sort();
  out.types.sort();
  return out;
}

describe('package entries', function () {
  this.timeout(120000);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const specifier = (key: string): string => (key === '.' ? 'radixnet' : `radixnet/${key.slice(2)}`);

  it('lists exactly these entries in package.json exports', () => {
    const keys = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map(specifier);
    expect(keys.sort()).to.deep.equal(Object.keys(ENTRIES).sort());
  });

  for (const [name, want] of Object.entries(ENTRIES)) {
    it(`${name} exports exactly its ${want.values.length} values at run time`, async () => {
      const mod = (await import(name)) as Record<string, unknown>;
      expect(Object.keys(mod).sort()).to.deep.equal([...want.values].sort());
    });
  }

  it("declares exactly those names in each entry's .d.ts", () => {
    for (const [name, want] of Object.entries(ENTRIES)) {
      const key = name === 'radixnet' ? '.' : `./${name.slice('radixnet/'.length)}`;
      const target = (pkg.exports[key] as { types: string }).types;
      expect(declaredExports(readFileSync(join(ROOT, target), 'utf8')), name).to.deep.equal({
        values: [...want.values].sort(),
        types: [...want.types].sort(),
      });
    }
  });

  it('compiles a program that imports every name of every entry by its package specifier, with exactly those values', () => {
    // the check file lies inside the package, so its 'radixnet/...' imports resolve through package.json exports (types)
    const dir = join(ROOT, 'dist', 'exports-check');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'check.ts');
    const lines = ['type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;'];
    Object.entries(ENTRIES).forEach(([name, { values, types }], k) => {
      lines.push(
        `import * as entry${k} from '${name}';`,
        `import type { ${[...values, ...types].map((n) => `${n} as e${k}_${n}`).join(', ')} } from '${name}';`,
        `export const values${k}: Same<keyof typeof entry${k}, ${values.map((v) => `'${v}'`).join(' | ')}> = true;`,
        `export type Names${k} = [${[...values.map((v) => `typeof e${k}_${v}`), ...types.map((t) => `e${k}_${t}`)].join(', ')}];`,
      );
    });
    writeFileSync(file, lines.join('\n') + '\n');
    try {
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const flags = [
        '--ignoreConfig',
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--types',
        'node',
      ];
      const r = spawnSync(process.execPath, [tsc, ...flags, file], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stdout + r.stderr).to.equal('');
      expect(r.status).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps internals out of the root entry', async () => {
    const root = (await import('radixnet')) as Record<string, unknown>;
    for (const internal of [
      'checkSoftLimit',
      'tfjsFitBytes',
      'mlpBytes',
      'parseShard',
      'inShard',
      'canonicalJson',
      'ResultsWriter',
      'Arena',
      'KernelMemory',
      'renderSvg',
      'fitFast',
    ]) {
      expect(root, internal).to.not.have.property(internal);
    }
  });

  it('documents every value of every entry in its section of docs/api.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const sections = new Map(
      doc
        .split(/^## /m)
        .slice(1)
        .map((s) => [s.slice(0, s.indexOf('\n')).replace(/`/g, '').trim(), s]),
    );
    for (const [name, { values }] of Object.entries(ENTRIES)) {
      const section = sections.get(name);
      expect(section, `docs/api.md has no "## \`${name}\`" section`).to.be.a('string');
      for (const v of values) expect(section, `${name}: ${v}`).to.include(`\`${v}`);
    }
  });
});
