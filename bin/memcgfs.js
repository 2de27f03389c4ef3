#!/usr/bin/env node
// Launcher for the memcgfs CLI (src/cli/main.ts), run in this very process so that the daemon's
// pid, signals and exit status are this process's own. `mount` first checks the host (npm
// dependencies, libfuse 2, fusermount) with scripts/setup.mjs.
//
// TypeScript runs through tsx's compiler (esbuild), bundled once into
// node_modules/.cache/memcgfs/cli.mjs and rebuilt whenever one of its source files changes. Why
// not tsx's loader: on Node 20 its hooks live in a second V8 isolate on a loader thread for the
// process's whole life, which costs the mount daemon ~50 MB of RSS. If the bundle cannot be
// built (or MEMCGFS_TSX=1), the CLI runs through tsx's loader instead.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mainTs = join(root, 'src', 'cli', 'main.ts');
const cacheDir = join(root, 'node_modules', '.cache', 'memcgfs');
const bundle = join(cacheDir, 'cli.mjs');
const inputsFile = join(cacheDir, 'cli.inputs.json');
const command = process.argv[2];

if (command === 'mount' || !existsSync(join(root, 'node_modules', 'tsx'))) {
  const { ensureSetup } = await import(pathToFileURL(join(root, 'scripts', 'setup.mjs')).href);
  const problem = await ensureSetup({ quiet: true });
  if (problem) {
    process.stderr.write(`memcgfs: ${problem}\n`);
    process.exit(1);
  }
}

/** The bundle is fresh when every file it was built from still has the recorded mtime. */
function bundleIsFresh() {
  try {
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    if (!existsSync(bundle) || Object.keys(inputs).length === 0) return false;
    return Object.entries(inputs).every(([file, mtimeMs]) => statSync(join(root, file)).mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}

async function buildBundle() {
  const require = createRequire(join(root, 'package.json'));
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild');
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [mainTs],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external', // node_modules resolve at run time, from the cache dir upwards
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) inputs[file] = statSync(join(root, file)).mtimeMs;
  renameSync(tmp, bundle);
  writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
}

async function loadCli() {
  if (process.env.MEMCGFS_TSX !== '1') {
    try {
      if (!bundleIsFresh()) await buildBundle();
      process.setSourceMapsEnabled(true);
      return await import(pathToFileURL(bundle).href);
    } catch (err) {
      if (process.env.MEMCGFS_DEBUG) process.stderr.write(`memcgfs: bundling failed, using tsx: ${err}\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(mainTs).href);
}

const { run } = await loadCli();
run(process.argv);
