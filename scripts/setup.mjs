#!/usr/bin/env node
// Checks (and where it can, fixes) what memcgfs needs from the host, with no dependencies of its
// own: npm packages installed, Debian's libfuse 2 (fuse-native's prebuilt binding loads the system
// libfuse.so.2), fusermount (auto_unmount and unmounting use it), and /dev/fuse.
//
//   node scripts/setup.mjs [--quiet] [--no-install]
//
// Missing npm packages are installed with `npm ci` (or `npm install`). Missing Debian packages are
// installed with apt-get when running as root; otherwise it exits 1 saying exactly what is missing
// and how to install it. --quiet prints nothing on success. bin/memcgfs.js runs it before `mount`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages per missing piece, first known to apt wins (trixie renamed libfuse2). */
const DEBIAN_CANDIDATES = {
  'libfuse.so.2': ['libfuse2', 'libfuse2t64'],
  fusermount: ['fuse'],
};

function say(quiet, text) {
  if (!quiet) process.stderr.write(`${text}\n`);
}

function which(cmd) {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return null;
}

function missingNpmPackages() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return names.filter((n) => !existsSync(join(ROOT, 'node_modules', n, 'package.json')));
}

function hasLibfuse2() {
  const ldconfig = which('ldconfig');
  if (ldconfig) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status === 0) return /\blibfuse\.so\.2\b/.test(r.stdout);
  }
  const dirs = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`];
  return dirs.some((d) => existsSync(join(d, 'libfuse.so.2')));
}

function missingHostPieces() {
  const missing = [];
  if (!hasLibfuse2()) missing.push('libfuse.so.2');
  if (!which('fusermount')) missing.push('fusermount');
  return missing;
}

function run(cmd, args, quiet) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    // stdout stays clean: the mount daemon's stdout carries its ready line.
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', process.stderr, process.stderr],
  });
  if (r.status !== 0 && quiet) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.status === 0;
}

function aptKnows(pkg) {
  return spawnSync('apt-cache', ['show', pkg], { stdio: 'ignore' }).status === 0;
}

function installDebianPackages(pieces, quiet) {
  const pick = () =>
    pieces.map((p) => DEBIAN_CANDIDATES[p].find(aptKnows) ?? DEBIAN_CANDIDATES[p][0]);
  let pkgs = pick();
  say(quiet, `memcgfs setup: installing ${pkgs.join(' ')} with apt-get`);
  const args = ['install', '-y', '--no-install-recommends'];
  if (run('apt-get', [...args, ...pkgs], quiet)) return true;
  // A fresh machine has no package lists yet, or stale ones.
  if (!run('apt-get', ['update'], quiet)) return false;
  pkgs = pick();
  return run('apt-get', [...args, ...pkgs], quiet);
}

/**
 * Checks the host and fixes what it can. Resolves to null when everything is in place, else to
 * a one-paragraph explanation of what is missing and how to install it.
 */
export async function ensureSetup({ quiet = false, install = true } = {}) {
  const npmMissing = missingNpmPackages();
  if (npmMissing.length > 0) {
    if (!install) return `npm packages missing: ${npmMissing.join(', ')}; run 'npm ci' in ${ROOT}`;
    const hasLock = existsSync(join(ROOT, 'package-lock.json'));
    const args = existsSync(join(ROOT, 'node_modules')) || !hasLock ? ['install'] : ['ci'];
    say(quiet, `memcgfs setup: npm ${args[0]} (missing: ${npmMissing.join(', ')})`);
    if (!run('npm', [...args, '--no-audit', '--no-fund'], quiet) || missingNpmPackages().length > 0) {
      return `npm ${args[0]} failed in ${ROOT}; missing: ${missingNpmPackages().join(', ')}`;
    }
  }

  let missing = missingHostPieces();
  if (missing.length > 0 && install && process.getuid?.() === 0 && which('apt-get')) {
    installDebianPackages(missing, quiet);
    missing = missingHostPieces();
  }
  if (missing.length > 0) {
    const pkgs = missing.map((p) => DEBIAN_CANDIDATES[p][0]);
    const what = missing.map((p, i) => `${p} (Debian package ${pkgs[i]})`).join(' and ');
    return (
      `missing ${what}. fuse-native needs the system's libfuse 2 and its fusermount. ` +
      `Install them as root: apt-get install ${pkgs.join(' ')}` +
      (process.getuid?.() === 0 ? '' : ' (or run this script as root to install them)')
    );
  }

  if (!existsSync('/dev/fuse')) {
    return 'no /dev/fuse: load the fuse kernel module (modprobe fuse), or give the container the device (--device /dev/fuse --cap-add SYS_ADMIN)';
  }
  say(quiet, 'memcgfs setup: npm packages, libfuse.so.2, fusermount and /dev/fuse are all in place');
  return null;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quiet = process.argv.includes('--quiet');
  const install = !process.argv.includes('--no-install');
  const problem = await ensureSetup({ quiet, install });
  if (problem) {
    process.stderr.write(`memcgfs setup: ${problem}\n`);
    process.exit(1);
  }
}
