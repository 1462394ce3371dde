// examples/k8s: the Indexed Job's fields agree with each other and the commands use only options the CLI has.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { experiments } from '../src/suite/experiments/index.js';
import type { LooseJson } from './helpers/loose-json.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const docs = (file: string): LooseJson[] =>
  parseAllDocuments(readFileSync(`${ROOT}/examples/k8s/${file}`, 'utf8')).map((d) => {
    expect(d.errors, file).to.deep.equal([]);
    return d.toJS();
  });
/** The long options `radixnet ARGS --help` lists. */
const optionsOf = (args: string[]): Set<string> => {
  const help = spawnSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' }).stdout;
  return new Set([...help.matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]));
};
/** Splits one `sh -c` line into commands (at &&) and words, keeping quoted words whole. */
const commands = (line: string): string[][] =>
  line.split('&&').map((c) => [...c.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0]));

describe('examples/k8s manifests', () => {
  const [pvc, job] = docs('sweep-job.yaml');
  const [merge] = docs('merge-job.yaml');
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));

  it('is an Indexed Job whose shard count equals its completions, on a shared volume', () => {
    expect(pvc.kind).to.equal('PersistentVolumeClaim');
    expect(pvc.spec.accessModes).to.include('ReadWriteMany');
    expect(job).to.deep.include({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(job.spec.completionMode).to.equal('Indexed');
    expect(job.spec.completions).to.be.a('number').greaterThan(1);
    expect(job.spec.parallelism).to.be.at.most(job.spec.completions);
    expect(Number(env.RADIXNET_SHARD_COUNT)).to.equal(job.spec.completions);
    expect(job.spec.template.spec.restartPolicy).to.equal('Never');
    for (const j of [job, merge]) {
      const spec = j.spec.template.spec;
      expect(spec.volumes[0].persistentVolumeClaim.claimName).to.equal(pvc.metadata.name);
      expect(spec.containers[0].volumeMounts[0]).to.deep.include({ name: spec.volumes[0].name, mountPath: '/results' });
    }
  });

  it("runs radixnet experiment with the CLI's options, one shard file per index, and merges those files", () => {
    expect(Object.keys(experiments)).to.include(env.EXPERIMENT);
    expect(container.command).to.deep.equal(['sh', '-c']);
    const [run] = commands(container.args[0]);
    expect(run.slice(0, 3)).to.deep.equal(['radixnet', 'experiment', '"$EXPERIMENT"']);
    const known = optionsOf(['experiment', env.EXPERIMENT]);
    for (const word of run.filter((w) => w.startsWith('--')))
      expect(known.has(word), `${word} is not an option of radixnet experiment`).to.equal(true);
    expect(run[run.indexOf('--out') + 1]).to.equal('"/results/$EXPERIMENT.shard-$JOB_COMPLETION_INDEX.jsonl"');

    const mergeEnv = Object.fromEntries(
      merge.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(mergeEnv.EXPERIMENT).to.equal(env.EXPERIMENT);
    const [m, s] = commands(merge.spec.template.spec.containers[0].args[0]);
    expect(m).to.deep.equal([
      'radixnet',
      'merge',
      '"/results/$EXPERIMENT.jsonl"',
      '/results/"$EXPERIMENT".shard-*.jsonl',
    ]);
    expect(s).to.deep.equal(['radixnet', 'summarize', '"/results/$EXPERIMENT.jsonl"']);
    expect(optionsOf(['merge']).has('--json')).to.equal(true);
  });

  it('the shard command runs as written for an index, with the count from the manifest', () => {
    // the pod's line with this checkout's CLI, index 1 of the manifest's count, --plan so that nothing trains
    const line = container.args[0]
      .replace(/^radixnet /, `"${process.execPath}" "${CLI}" `)
      .replace(/--out .*$/, '--plan --quick');
    const r = spawnSync('sh', ['-c', line], {
      encoding: 'utf8',
      env: { ...process.env, ...env, JOB_COMPLETION_INDEX: '1' },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^plan [0-9a-f]{64} of ${env.EXPERIMENT}: \\d+ runs`));
  });
});
