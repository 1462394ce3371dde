// `npm run test:unit`: the edit loop's tier, under a minute on a quiet 2-core machine. It is the full suite
// (.mocharc.json, what `npm test` and CI run) less the files that train on MNIST at length, spawn many processes,
// install packages from the registry, drive Slurm or Chromium, or take several seconds per test. A new test file
// lands in this tier unless it is listed here: list it when its tests take over about a second each.
const base = require('./.mocharc.json');

module.exports = {
  ...base,
  ignore: [
    'consumer', // npm pack + registry installs of tfjs in a scratch consumer project
    'slurm', // a Slurm cluster
    'figures-browser', // Chromium
    'docs-code', // every code block of README and docs/, each in its own process
    'experiment-run', // sweeps, kills and resumes of whole experiments
    'strange-experiments',
    'pruning-experiments',
    'reproduce',
    'cli-train', // trains LeNet-300-100 on MNIST through the CLI
    'mnist', // MNIST loading from every source
    'tfjs-layer', // model.fit runs of the tfjs layer
    'tfjs-peer', // processes without tfjs installed
    'model-folder', // save/load round trips and damaged files
    'figures-draw', // rendering PNGs
    'checkpoint', // about 20 training runs through the CLI, one killed mid-checkpoint
  ].map((name) => `dist/test/${name}.test.js`),
};
