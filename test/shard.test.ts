import { expect } from 'chai';
import { InputError } from '../src/errors.js';
import { inShard, parseShard, resolveShard } from '../src/suite/shard.js';

describe('shards', () => {
  it('--shard i/n takes the runs whose index is i mod n', () => {
    expect(parseShard('2/3')).to.deep.equal({ index: 2, count: 3 });
    expect([0, 1, 2, 3, 4, 5, 6].filter((i) => inShard(i, { index: 1, count: 3 }))).to.deep.equal([1, 4]);
    for (const bad of ['3/3', '-1/3', '0/0', 'a/b', '1'])
      expect(() => parseShard(bad), bad).to.throw(InputError, /--shard must be i\/n/);
  });

  it('comes from Slurm (minus SLURM_ARRAY_TASK_MIN), Kubernetes and AWS Batch variables', () => {
    expect(
      resolveShard({}, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '4' }),
    ).to.deep.equal({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID' });
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).to.include({
      index: 3,
      count: 4,
    });
    expect(resolveShard({ count: 5 }, { JOB_COMPLETION_INDEX: '4' })).to.include({
      index: 4,
      count: 5,
      source: 'JOB_COMPLETION_INDEX',
    });
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '1', RADIXNET_SHARD_COUNT: '2' })).to.include({
      index: 1,
      count: 2,
    });
    expect(resolveShard({}, { AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '3' })).to.include({
      index: 0,
      count: 3,
    });
    // --shard agreeing with the environment; no variables, no shard
    expect(resolveShard({ shard: '1/2' }, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).to.include({
      index: 1,
      source: '--shard',
    });
    expect(resolveShard({ shard: '4/5' }, { JOB_COMPLETION_INDEX: '4' })).to.include({
      index: 4,
      count: 5,
      source: '--shard',
    });
    expect(resolveShard({}, {})).to.equal(null);
  });

  it('refuses indices out of range, a missing count and non-numbers', () => {
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).to.throw(
      InputError,
      /out of range/,
    );
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '1' })).to.throw(
      InputError,
      /shard count is not; pass --shard-count/,
    );
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' })).to.throw(
      InputError,
      /not a whole number/,
    );
    expect(() => resolveShard({ count: 3 }, {})).to.throw(InputError, /no shard index/);
  });

  it("refuses --shard that disagrees with the array job's variables, naming both", () => {
    expect(() => resolveShard({ shard: '0/2' }, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).to.throw(
      InputError,
      "--shard 0/2 disagrees with SLURM_ARRAY_TASK_ID (shard 1/2); inside an array job leave --shard out (the job's variables pick the shard), or unset the variables",
    );
    expect(() => resolveShard({ shard: '1/4' }, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).to.throw(
      InputError,
      /--shard 1\/4 disagrees with SLURM_ARRAY_TASK_ID \(shard 1\/2\)/,
    );
    expect(() => resolveShard({ shard: '0/3' }, { AWS_BATCH_JOB_ARRAY_INDEX: '2' })).to.throw(
      InputError,
      /--shard 0\/3 disagrees with AWS_BATCH_JOB_ARRAY_INDEX \(shard 2\/3\)/,
    );
  });
});
