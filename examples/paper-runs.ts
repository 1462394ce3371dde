// The paper's reference runs (docs/training.md: 5 epochs, batch 500, test accuracy) on our engine, over
// 5 seeds each: prints the markdown table that docs/cli.md quotes. Run: node dist/examples/paper-runs.js
import { loadMnist } from '../src/data/mnist.js';
import { PAPER_PRESET, trainMnist } from '../src/suite/mnist-train.js';

const REFERENCE: [string, string, number][] = [
  ['dense', 'dense', 0.969],
  ['[[10,10],[10]]', '10,10/10', 0.91],
  ['[[10],[5,2]]', '10/5,2', 0.957],
  ['[[2,2],[2]]', '2,2/2', 0.952],
  ['[[10,10,1]]', '10,10,1', 0.603],
];
const SEEDS = [1, 2, 3, 4, 5];

const mnist = await loadMnist();
console.log('| radix list | paper (suite test) | ours: median test acc | range over 5 seeds | sparsity | s/epoch |');
console.log('|---|---|---|---|---|---|');
for (const [label, radices, paper] of REFERENCE) {
  const acc: number[] = [];
  let seconds = 0;
  let sparsity = 0;
  for (const seed of SEEDS) {
    const r = await trainMnist({ ...PAPER_PRESET, radices, epochs: 5, batchSize: 500, seed }, { mnist });
    acc.push(r.final.testAccuracy);
    seconds += r.history.reduce((s, e) => s + e.seconds, 0) / r.history.length;
    sparsity = r.topology.sparsity;
  }
  acc.sort((a, b) => a - b);
  console.log(`| ${label} | ${paper.toFixed(3)} | ${acc[2].toFixed(3)} | ${acc[0].toFixed(3)}–${acc[4].toFixed(3)} | ${sparsity.toFixed(4)} | ${(seconds / SEEDS.length).toFixed(3)} |`);
}
