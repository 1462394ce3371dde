// The repository stands alone: no file points at documents outside it, every docs/ page a file names exists, and
// every relative link of the Markdown pages resolves to a file inside the repository.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TREES = ['src', 'assembly', 'bench', 'test', 'docs', 'examples', 'scripts'];
const TEXT = /\.(ts|mjs|js|json|md)$/;

function files(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      // installed packages and build output (examples/serverless builds its own node_modules) are not the repository's
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p);
      } else if (TEXT.test(e.name)) out.set(relative(REPO_ROOT, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  for (const t of TREES) walk(join(REPO_ROOT, t));
  out.set('README.md', readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
  return out;
}

// spelled in pieces so that this file does not match itself
const OUTSIDE = new RegExp(
  ['\\.\\./' + 'shared', 'spec ' + 'sections? \\d', 'radixnet-' + 'spec', 'DEVELOPERS' + '\\.md'].join('|'),
);

describe('the repository stands alone', () => {
  const all = files();

  it('no file refers to documents outside the repository', () => {
    const bad = [...all].flatMap(([path, text]) =>
      text.split('\n').flatMap((line, k) => (OUTSIDE.test(line) ? [`${path}:${k + 1}: ${line.trim()}`] : [])),
    );
    expect(bad).to.deep.equal([]);
  });

  it('every docs/*.md that a file names exists', () => {
    const missing = [...all].flatMap(([path, text]) =>
      [...text.matchAll(/\bdocs\/([\w-]+\.md)/g)]
        .filter((m) => !existsSync(join(REPO_ROOT, 'docs', m[1])))
        .map((m) => `${path}: docs/${m[1]}`),
    );
    expect(missing).to.deep.equal([]);
  });

  it('every relative link of a Markdown page resolves to a file inside the repository', () => {
    const bad: string[] = [];
    for (const [path, text] of all) {
      if (!path.endsWith('.md')) continue;
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue; // a URL, not a file
        const target = resolve(REPO_ROOT, dirname(path), m[1]);
        if (!target.startsWith(REPO_ROOT) || !existsSync(target)) bad.push(`${path}: ${m[1]}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });
});
