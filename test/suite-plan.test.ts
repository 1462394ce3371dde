import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { InputError } from '../src/errors.js';
import { RECORD_VERSION } from '../src/suite/experiment.js';
import { experiments, getExperiment } from '../src/suite/experiments/index.js';
import { canonicalJson, plan, planId, resolveParams } from '../src/suite/plan.js';
import { radixNetSparsity } from '../src/topology/radixnet.js';

describe('experiment plans', () => {
  it('same parameters give the same plan and id; any change gives another id', () => {
    const exp = getExperiment('accuracy-vs-sparsity');
    const a = plan(exp, resolveParams(exp, {}, true));
    const b = plan(exp, resolveParams(exp, {}, true));
    expect(a).to.deep.equal(b);
    expect(a.planId).to.match(/^[0-9a-f]{64}$/);
    const ids = new Set([
      a.planId,
      plan(exp, resolveParams(exp, { epochs: 2 }, true)).planId,
      plan(exp, resolveParams(exp, { lr: 0.01 }, true)).planId,
      plan(exp, resolveParams(exp, {}, false)).planId,
      planId('seed-variance', a.params),
    ]);
    expect(ids.size).to.equal(5);
    // --quick with the quick values spelled out is the same plan
    expect(plan(exp, resolveParams(exp, { ...exp.quick }, false)).planId).to.equal(a.planId);
  });

  it('the id is sha256 of name, record version and sorted-key JSON of the params', () => {
    const expected = createHash('sha256').update(`x\n${RECORD_VERSION}\n{"a":[1,{"c":3,"d":4}],"b":2}`).digest('hex');
    expect(planId('x', { b: 2, a: [1, { d: 4, c: 3 }] })).to.equal(expected);
    expect(canonicalJson({ z: null, y: { b: 1, a: 2 } })).to.equal('{"y":{"a":2,"b":1},"z":null}');
  });

  it('keys are unique and indices are plan positions', () => {
    for (const exp of Object.values(experiments)) {
      const p = plan(exp, resolveParams(exp, {}, true));
      expect(new Set(p.runs.map((r) => r.key)).size, exp.name).to.equal(p.runs.length);
      expect(p.runs.map((r) => r.index)).to.deep.equal(p.runs.map((_, i) => i));
    }
  });

  it("Fig. 3 plans one run per valid list of factors 1..10 (1517, not the paper's 1130)", () => {
    const exp = getExperiment('sparsity-distribution');
    expect(plan(exp, resolveParams(exp)).runs).to.have.length(1517);
  });

  it('seed-variance draws networks of each bin from the bin, every one on every seed, reproducibly', () => {
    const exp = getExperiment('seed-variance');
    const params = resolveParams(exp, { factors: [1, 2, 3, 4, 5], networksPerBin: 3, seeds: [7, 8] });
    const p = plan(exp, params);
    const byNet = new Map<string, { radices: string; seeds: number[] }>();
    for (const r of p.runs) {
      const s = radixNetSparsity(r.config!.radices, [784, 300, 100, 10]).sparsity;
      // independent binning: the sparsity lies in [bin/10, (bin+1)/10] up to rounding
      expect(s).to.be.within((r.tags.bin as number) / 10 - 1e-9, ((r.tags.bin as number) + 1) / 10);
      const id = `${r.tags.bin}/${r.tags.network}`;
      if (!byNet.has(id)) byNet.set(id, { radices: r.config!.radices, seeds: [] });
      expect(byNet.get(id)!.radices).to.equal(r.config!.radices);
      byNet.get(id)!.seeds.push(r.config!.seed);
    }
    for (const n of byNet.values()) expect(n.seeds).to.deep.equal([7, 8]);
    const perBin = new Map<number, number>();
    for (const id of byNet.keys())
      perBin.set(Number(id.split('/')[0]), (perBin.get(Number(id.split('/')[0])) ?? 0) + 1);
    for (const count of perBin.values()) expect(count).to.be.at.most(3);
    expect(plan(exp, params).runs).to.deep.equal(p.runs);
    expect(plan(exp, { ...params, drawSeed: 1 }).runs.map((r) => r.key)).not.to.deep.equal(p.runs.map((r) => r.key));
  });

  it('refuses an unknown experiment or parameter with an InputError', () => {
    expect(() => getExperiment('fig-99')).to.throw(
      InputError,
      /unknown experiment 'fig-99'; the experiments are .*accuracy-vs-sparsity/,
    );
    expect(() => resolveParams(getExperiment('seed-variance'), { epoch: 3 } as never)).to.throw(
      InputError,
      /no parameter 'epoch'/,
    );
  });
});
