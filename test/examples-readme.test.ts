// The examples' READMEs, run as a user would: every command of their `sh` blocks in order, from the example's folder,
// but for those that cannot run on a test machine (docker, kubectl: no engine or cluster) and the repository root's
// `npm install` (the main README's first command, which CI runs before the tests; rerunning it here would rebuild dist/
// under the running tests). The k8s Dockerfile's RUN lines run too, with its COPY done into a scratch folder and
// `npm install -g` pointed at a scratch prefix, so the image's `radixnet` is checked without docker.
import { expect } from 'chai';
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, ROOT } from './helpers/package.js';

/** The commands of a Markdown page's ```sh blocks, in order, without their trailing comments. */
export function shCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Why a README command is not run here, or null when it is. */
function notHere(command: string): string | null {
  if (/^(docker|kubectl)\b/.test(command)) return 'needs a container engine or a cluster';
  if (command === '(cd ../.. && npm install)') return 'the repository root install, run by CI before the tests';
  return null;
}

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// npm prefers its cache, as the other install tests do: packages fetched once are not fetched again
const env = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_prefer_offline: 'true',
};

function run(command: string, cwd: string, extraEnv: Record<string, string> = {}): string {
  try {
    return execSync(command, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, ...extraEnv },
      timeout: 300000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`\`${command}\` failed in ${cwd}: ${e.stderr || e.stdout || e.message}`);
  }
}

describe("the examples' READMEs, run in order", function () {
  this.timeout(600000);

  describe('examples/k8s', () => {
    const dir = join(ROOT, 'examples', 'k8s');
    const commands = shCommands(readFileSync(join(dir, 'README.md'), 'utf8'));

    it('skips only docker, kubectl and the root install; packs the checkout; the Dockerfile installs a working radixnet', () => {
      expect(commands.filter(notHere)).to.deep.equal([
        '(cd ../.. && npm install)',
        'docker build -t radixnet:latest .',
        'kubectl apply -f sweep-job.yaml',
        'kubectl wait --for=condition=complete --timeout=24h job/radixnet-sweep',
        'kubectl apply -f merge-job.yaml',
        'kubectl wait --for=condition=complete job/radixnet-merge && kubectl logs job/radixnet-merge',
      ]);
      for (const f of readdirSync(dir)) if (f.endsWith('.tgz')) rmSync(join(dir, f));
      for (const c of commands) if (!notHere(c)) run(c, dir);
      const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).to.deep.equal([`radixnet-${VERSION}.tgz`]);

      // docker build, without docker: COPY into a scratch root, each RUN with the container's paths mapped into it
      const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z]+ /.test(l));
      expect(dockerfile[0]).to.match(/^FROM node:\d+-slim$/);
      const scratch = join(CACHE, 'k8s-image');
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(join(scratch, 'tmp'), { recursive: true });
      for (const line of dockerfile.slice(1)) {
        const [op, ...rest] = line.split(' ');
        if (op === 'COPY') {
          const [from, to] = rest;
          expect(from).to.equal('radixnet-*.tgz');
          for (const t of tarballs) cpSync(join(dir, t), join(scratch, to, t));
        } else {
          expect(op).to.equal('RUN');
          // the image's PATH holds npm's global bin folder
          const prefix = join(scratch, 'usr');
          run(rest.join(' ').replaceAll('/tmp/', `${scratch}/tmp/`), scratch, {
            npm_config_prefix: prefix,
            PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
          });
        }
      }
      expect(run(`${join(scratch, 'usr', 'bin', 'radixnet')} --version`, scratch).trim()).to.equal(VERSION);
      expect(existsSync(join(scratch, 'tmp', tarballs[0]))).to.equal(false);
      rmSync(join(dir, tarballs[0]));
    });
  });

  describe('examples/serverless', () => {
    const dir = join(ROOT, 'examples', 'serverless');
    const commands = shCommands(readFileSync(join(dir, 'README.md'), 'utf8'));

    it('installs its tool, builds function.zip from the packed checkout and invokes the unzipped function', () => {
      expect(commands).to.deep.equal(['(cd ../.. && npm install)', 'npm install', 'npm run build', 'npm run invoke']);
      // as a user's first try: nothing of an earlier build or install left
      for (const f of ['node_modules', '.pack', '.build', 'function.zip'])
        rmSync(join(dir, f), { recursive: true, force: true });
      const out = commands.filter((c) => !notHere(c)).map((c) => run(c, dir));
      expect(out[1]).to.match(/function\.zip: [\d.]+ MiB/);
      expect(out[1]).to.match(/^packages: radixnet, /m);
      expect(readdirSync(join(dir, '.pack'))).to.deep.equal([`radixnet-${VERSION}.tgz`]);
      const fn = JSON.parse(readFileSync(join(dir, '.build', 'function', 'package.json'), 'utf8'));
      expect(fn.dependencies).to.deep.equal({ radixnet: VERSION });
      expect(out[2]).to.match(/warm invocation: train 300 steps .* status 200/);
      expect(out[2]).to.match(/predict 200 held-out samples .* status 200, accuracy 1\.000/);
      expect(out[2]).to.match(/bad request .* status 400\s+{"error":"y\[1\] must be an integer from 0 to 3, got 4"}/);
    });
  });
});
