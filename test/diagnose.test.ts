import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { diagnoseMasks, diagnoseRadixNet, MIN_OUTPUT_FAN_IN } from '../src/analysis/diagnose.js';
import { spread } from '../src/analysis/stats.js';
import { radixNet, SparseMask } from '../src/topology/index.js';
import { LIMITS } from '../src/topology/cost.js';
import { jsonData, runIn, type CliResult } from './helpers/cli.js';

const cli = (...args: string[]): Promise<CliResult> => runIn(args);

/** A mask from rows of 0/1 (row i = input i, column o = output o). */
function mask(rows: number[][]): SparseMask {
  return SparseMask.fromDense(rows.flat(), rows.length, rows[0].length);
}

/** Plain dense product of 0/1 masks: paths[i][c] from input i to output c. */
function densePaths(masks: SparseMask[]): number[][] {
  let acc: number[][] = [];
  masks.forEach((m, l) => {
    const d = m.toDense();
    const next: number[][] = [];
    const rows = l === 0 ? m.nIn : acc.length;
    for (let i = 0; i < rows; i++) {
      next.push(new Array<number>(m.nOut).fill(0));
      for (let o = 0; o < m.nOut; o++) {
        if (l === 0) next[i][o] = d[i * m.nOut + o];
        else for (let h = 0; h < m.nIn; h++) next[i][o] += acc[i][h] * d[h * m.nOut + o];
      }
    }
    acc = next;
  });
  return acc;
}

describe('diagnose', () => {
  it('an output fed by one unit: fan-in 1, its path counts, and a narrow-output risk naming it', () => {
    // 3 inputs -> 3 hidden (dense) -> 2 outputs; output 0 reads every hidden unit, output 1 only hidden 2
    const d = diagnoseMasks([
      SparseMask.full(3, 3),
      mask([
        [1, 0],
        [1, 0],
        [1, 1],
      ]),
    ]);
    expect(d.layers).to.deep.equal([3, 3, 2]);
    expect(d.weightLayers[1].fanIn).to.deep.equal({ min: 1, median: 2, max: 3 });
    expect(d.weightLayers[1].fanOut).to.deep.equal({ min: 1, median: 1, max: 2 });
    expect(d.classes!.map((c) => c.fanIn)).to.deep.equal([3, 1]);
    expect(d.classes!.map((c) => c.hiddenReach)).to.deep.equal([[3], [1]]);
    expect(d.classes!.map((c) => c.inputReach)).to.deep.equal([3, 3]);
    // output 0: three paths from each input (via any hidden unit); output 1: one
    expect(d.classes![0].paths).to.deep.equal({ min: 3, median: 3, max: 3 });
    expect(d.classes![1].paths).to.deep.equal({ min: 1, median: 1, max: 1 });
    expect(d.paths).to.deep.equal({ perPair: { min: 1, median: 2, max: 3 }, zeroPairs: 0, pairs: 6 });
    expect(d.verdict).to.equal('at risk');
    expect(d.risks.map((r) => r.kind)).to.deep.equal(['narrow-output']);
    expect(d.risks[0].text).to.match(/^output 1 is fed by only 1 unit of the last hidden layer/);
    expect(d.predictedStrange).to.equal(true);
  });

  it('a dead unit: a hidden unit with no input, the output it alone feeds is dead, the pixel only it reads is ignored', () => {
    // 3 inputs -> 4 hidden -> 2 outputs: hidden 3 reads nothing and is all output 1 reads; input 2 feeds nothing
    const m0 = mask([
      [1, 1, 1, 0],
      [1, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
    const m1 = mask([
      [1, 0],
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const d = diagnoseMasks([m0, m1]);
    expect(d.unitLayers).to.deep.equal([
      { size: 3, noInput: 0, noOutput: 1, unreachable: 0, useless: 1 },
      { size: 4, noInput: 1, noOutput: 0, unreachable: 1, useless: 0 },
      { size: 2, noInput: 0, noOutput: 0, unreachable: 1, useless: 0 },
    ]);
    expect(d.classes!.map((c) => [c.fanIn, c.inputReach, c.hiddenReach[0]])).to.deep.equal([
      [3, 2, 3],
      [1, 0, 1],
    ]);
    expect(d.paths!.zeroPairs).to.equal(4); // (2, 0), and every input to output 1
    expect(d.risks.map((r) => r.kind)).to.deep.equal(['dead-output', 'unreachable-units', 'pixels-cut-off']);
    expect(d.risks[0].text).to.include('output 1 is reached by no input');
  });

  it('full layers: every fan-in is the layer below, every pair has prod(hidden sizes) paths, verdict ok', () => {
    const d = diagnoseMasks([SparseMask.full(5, 4), SparseMask.full(4, 3), SparseMask.full(3, 2)]);
    expect(d.weightLayers.map((w) => w.fanIn)).to.deep.equal([
      { min: 5, median: 5, max: 5 },
      { min: 4, median: 4, max: 4 },
      { min: 3, median: 3, max: 3 },
    ]);
    expect(d.paths).to.deep.equal({ perPair: { min: 12, median: 12, max: 12 }, zeroPairs: 0, pairs: 10 });
    expect(d.classes!.every((c) => c.inputReach === 5 && c.hiddenReach.join() === '4,3')).to.equal(true);
    expect(d.verdict).to.equal('ok');
    expect(d.predictedStrange).to.equal(false);
    expect(d.risks).to.deep.equal([]);
  });

  it('path counts and reach agree with a plain dense product on a trimmed RadiX-Net', () => {
    const layers = [13, 9, 7, 5];
    const net = radixNet('2,3/3', layers);
    const d = diagnoseMasks(net.masks);
    const p = densePaths(net.masks);
    for (let c = 0; c < 5; c++) {
      const col = p.map((row) => row[c]);
      expect(d.classes![c].paths).to.deep.equal(spread(col));
      expect(d.classes![c].inputReach).to.equal(col.filter((x) => x > 0).length);
    }
    expect(d.paths!.zeroPairs).to.equal(p.flat().filter((x) => x === 0).length);
  });

  it('LeNet-300-100: 10,10/10 is ok; 10,10/1 feeds each class from one unit and gets ok suggestions no less sparse', () => {
    expect(diagnoseRadixNet('10,10/10', [784, 300, 100, 10]).verdict).to.equal('ok');
    const d = diagnoseRadixNet('10,10/1', [784, 300, 100, 10]);
    expect(d.classes!.map((c) => c.fanIn)).to.deep.equal(new Array(10).fill(1));
    // hidden 2 unit c reads the 30 hidden-1 units of residue c mod 10; every pixel reaches it by 3 paths (B_1 = 3)
    expect(d.classes![0].hiddenReach).to.deep.equal([30, 1]);
    expect(d.paths!.perPair).to.deep.equal({ min: 3, median: 3, max: 3 });
    expect(d.verdict).to.equal('at risk');
    expect(d.suggestions.length).to.equal(3);
    for (const s of d.suggestions) {
      expect(s.sparsity).to.be.at.least(d.sparsity);
      expect(s.minOutputFanIn).to.be.at.least(MIN_OUTPUT_FAN_IN);
      expect(diagnoseRadixNet(s.radices, [784, 300, 100, 10]).verdict).to.equal('ok');
    }
  });

  it('skips the per-class sweeps past the work limit, LIMITS.work, and honours RADIXNET_MAX_WORK', () => {
    const net = radixNet('2,2/2', [16, 12, 8, 4]);
    // 4 outputs x (nonzeros + units): far below the default limit
    expect(diagnoseMasks(net.masks).classes).to.have.length(4);
    const saved = LIMITS.work;
    try {
      LIMITS.work = 10;
      const d = diagnoseMasks(net.masks);
      expect(d.classes).to.equal(null);
      expect(d.skipped).to.match(
        /^per-class reach and path counts skipped: 4 outputs x \d+ connections is more than the 1\.0e\+1-operation work limit \(RADIXNET_MAX_WORK\)$/,
      );
    } finally {
      LIMITS.work = saved;
    }
    // the environment variable sets the limit when the process starts; two full 4 x 4 layers are over 10 operations
    const dist = join(process.cwd(), 'dist', 'src');
    const code =
      `Promise.all([import('${join(dist, 'analysis', 'diagnose.js')}'), import('${join(dist, 'topology', 'mask.js')}')])` +
      `.then(([{ diagnoseMasks }, { SparseMask }]) => { const m = SparseMask.fromDense(new Array(16).fill(1), 4, 4); console.log(diagnoseMasks([m, m]).skipped); })`;
    const r = spawnSync(process.execPath, ['-e', code], {
      encoding: 'utf8',
      env: { ...process.env, RADIXNET_MAX_WORK: '10' },
    });
    expect(r.stdout).to.match(/skipped: 4 outputs x 32 connections is more than the 1\.0e\+1-operation work limit/);
  });

  it('refuses masks that do not chain', () => {
    expect(() => diagnoseMasks([SparseMask.full(3, 2), SparseMask.full(3, 2)])).to.throw(
      /mask 0 has 2 outputs but mask 1 has 3 inputs/,
    );
  });
});

describe('radixnet diagnose', () => {
  it('prints the tables, the verdict and suggestions', async () => {
    const r = await cli('diagnose', '10,10/1');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^2\s+100 x 10\s+10\s+1\/1\/1\s+0\/0\/1$/m);
    expect(r.stdout).to.match(/^0\s+1\s+30\s+1\s+784\s+3\/3\/3$/m);
    expect(r.stdout).to.include('verdict: at risk (predicted strange)');
    expect(r.stdout).to.include('nearby radix lists of the same or higher sparsity without the problem:');
  });

  it('prints the diagnosis in one JSON envelope with --json', async () => {
    const r = await cli('diagnose', '2,2/2', '--layers', '8,6,5,3', '--json');
    expect(r.status).to.equal(0);
    const out = jsonData<{ classes: { fanIn: number }[]; layers: number[] }>(r.stdout);
    // N = 4; output c reads the hidden-2 units (of 0..4) with residue c or c + 1 mod 4: {0, 1, 4}, {1, 2}, {2, 3}
    expect(out).to.include({ radices: '2,2/2', N: 4, verdict: 'at risk' });
    expect(out.classes.map((c) => c.fanIn)).to.deep.equal([3, 2, 2]);
    expect(out.layers).to.deep.equal([8, 6, 5, 3]);
  });

  it('rejects bad input exactly as topology does, exit 2', async () => {
    for (const args of [
      ['10,10/3'],
      ['10,0/10'],
      ['10,10/10', '--layers', '784,x'],
      ['10,10/10', '--kron', '1,1,1,1'],
      ['10,10/10', '--layers', '784,300,10'],
    ]) {
      const d = await cli('diagnose', ...args);
      const t = await cli('topology', ...args);
      expect(d.status).to.equal(2);
      expect(d.stderr.split('\n')[0]).to.equal(t.stderr.split('\n')[0]);
      expect(d.stderr).to.match(/^radixnet: /);
    }
  });
});
