#!/usr/bin/env node
// Writes test/fixtures/challenge/: a small network and inputs in the Graph Challenge's official file format, so that
// the TSV reader, the generator and the kernels can be checked on files laid out as the official ones are:
//   neuron64/n64-l1.tsv .. n64-l4.tsv   the generated network of 64 neurons (radix 2,2 Kronecker 16), 4 layers
//                                       (two blocks of 2, the second permuted)
//   sparse-images-64.tsv                12 inputs of 8 x 8 pixels (1-based rows 6 and 10 have none, so the file lists 10), drawn from a seeded Rng
//   neuron64-l4-categories.tsv          the truth, computed here in float64 straight from the definition, bias -0.3
// Run after `npm run build`: node scripts/challenge-fixture.mjs
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChallengeNet } from '../dist/src/topology/challenge-net.js';
import { writeLayerTsv, writeImagesTsv, writeCategoriesTsv } from '../dist/src/data/challenge-tsv.js';
import { Rng } from '../dist/src/random.js';

const dir = fileURLToPath(new URL('../test/fixtures/challenge/', import.meta.url));
const N = 64;
const L = 4;
const BIAS = -0.3;
mkdirSync(`${dir}neuron${N}`, { recursive: true });
const net = new ChallengeNet(N, L);
const layers = Array.from({ length: L }, (_, l) => net.layer(l));
layers.forEach((layer, l) => writeLayerTsv(`${dir}neuron${N}/n${N}-l${l + 1}.tsv`, layer));

// inputs: each pixel on with a probability that grows with the row, so some inputs die and some live
const rng = new Rng(64);
const images = [];
for (let row = 0; row < 12; row++) {
  if (row === 5 || row === 9) continue;
  const cols = [];
  for (let i = 0; i < N; i++) if (rng.next() < 0.06 + 0.03 * row) cols.push(i);
  images.push({ row, cols: Int32Array.from(cols), vals: new Float32Array(cols.length).fill(1) });
}
writeImagesTsv(`${dir}sparse-images-${N}.tsv`, images);

// the truth, dense float64: Y = min(max(Y W + b, 0), 32) where Y W is nonzero
const truth = [];
for (const im of images) {
  let y = new Float64Array(N);
  for (const c of im.cols) y[c] = 1;
  for (const layer of layers) {
    const z = new Float64Array(N);
    for (let k = 0; k < layer.idx.length; k++) {
      // output j of weight k: the j with ptr[j] <= k < ptr[j+1]
      let j = 0;
      while (layer.ptr[j + 1] <= k) j++;
      z[j] += layer.w[k] * y[layer.idx[k]];
    }
    y = z.map((v) => (v === 0 ? 0 : Math.min(Math.max(v + BIAS, 0), 32)));
  }
  if (y.some((v) => v !== 0)) truth.push(im.row);
}
writeCategoriesTsv(`${dir}neuron${N}-l${L}-categories.tsv`, truth);
console.log(`wrote ${dir}: ${L} layers of ${N} neurons, ${images.length} inputs, ${truth.length} categories (${truth.map((r) => r + 1).join(' ')})`);
