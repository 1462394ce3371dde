// Every JavaScript block of the README and docs/ runs as written: a reader who pastes one into a file of their own
// gets what the page says, not a ReferenceError. Each block runs in its own Node process (a block is a program: it
// imports the package by name and may write files), from a scratch folder, importing 'radixnet' through the package's
// own exports (a file inside the package resolves its own name), so a renamed or removed export fails here.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the blocks are written: inside the package, so that `import 'radixnet'` resolves to this checkout. */
const BLOCK_DIR = join(REPO_ROOT, 'dist', 'doc-blocks');
/** Fences whose blocks are programs; shell transcripts and config files are not run here. */
const RUNNABLE = new Set(['js', 'javascript', 'mjs']);

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
}

/** The fenced code blocks of a Markdown text, with the language of each fence. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, k) => k > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a code fence that never closes`);
    out.push({ file, line: i + 1, lang: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

function pages(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

describe('code blocks of the README and docs/', () => {
  const blocks = pages().flatMap((p) => codeBlocks(p, readFileSync(join(REPO_ROOT, p), 'utf8')));
  const programs = blocks.filter((b) => RUNNABLE.has(b.lang));

  it('finds the blocks of a page, with their languages, and none inside another', () => {
    const text = 'a\n```js\nconst x = 1;\n```\ntext\n```\n$ ls\n```\n```sh\necho "```js"\n```\n';
    expect(codeBlocks('t.md', text).map((b) => [b.line, b.lang, b.code])).to.deep.equal([
      [2, 'js', 'const x = 1;'],
      [6, '', '$ ls'],
      [9, 'sh', 'echo "```js"'],
    ]);
  });

  it('the README holds a library and a tfjs example to run', () => {
    const readme = programs.filter((b) => b.file === 'README.md').map((b) => b.code);
    expect(readme.some((c) => c.includes("from 'radixnet'") && !c.includes('radixnet/tfjs'))).to.equal(true);
    expect(readme.some((c) => c.includes("from 'radixnet/tfjs'"))).to.equal(true);
  });

  it('every block fenced as js or ts is meant to run (ts blocks would not be run: write examples as js)', () => {
    expect(
      blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript').map((b) => `${b.file}:${b.line}`),
    ).to.deep.equal([]);
  });

  for (const b of programs) {
    it(`${b.file}:${b.line} runs as written`, function () {
      this.timeout(180_000);
      mkdirSync(BLOCK_DIR, { recursive: true });
      const script = join(BLOCK_DIR, `${b.file.replace(/[/.]/g, '_')}_${b.line}.mjs`);
      writeFileSync(script, b.code + '\n');
      const cwd = mkdtempSync(join(tmpdir(), 'radixnet-doc-'));
      try {
        const r = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 170_000 });
        const why = `${b.file}:${b.line} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}:\n${r.stderr.slice(-2000)}`;
        expect(r.status, why).to.equal(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }
});
