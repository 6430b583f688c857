// Shared by the package tests: the emulator, the packed tarball installed into a temporary project,
// and running scripts inside that project.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// KAIZALA_PKG_DIR runs the tests against another build of the package (say, one of an older commit).
export const PKG = process.env.KAIZALA_PKG_DIR ? path.resolve(process.env.KAIZALA_PKG_DIR) : path.join(ROOT, 'pkg');
const WORK = path.join(ROOT, 'target/pkg-test');

/** Headless Chromium from Debian; nothing is ever downloaded. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

export function emulatorUrl() {
  const url = process.env.KAIZALA_EMULATOR_URL;
  if (!url) throw new Error('KAIZALA_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
  return url.replace(/\/$/, '');
}

export async function seed() {
  const res = await fetch(`${emulatorUrl()}/_emulator/seed`);
  if (!res.ok) throw new Error(`seed: HTTP ${res.status}`);
  return res.json();
}

/** Client options for the connector with every scope and the seeded user refresh token. */
export function clientOptions(s, extra = {}) {
  return {
    applicationId: s.applicationId,
    applicationSecret: s.applicationSecret,
    refreshToken: s.userRefreshToken,
    authUrl: s.authUrl,
    oauthUrl: s.oauthUrl,
    storage: 'memory',
    // Some test files make more than 100 calls a minute on the one demo connector; the client's
    // queue (on by default) has tests of its own.
    rateLimit: false,
    ...extra,
  };
}

/** `npm pack` of pkg/: `{tarball, files}` (files: the paths inside the package). */
export function pack() {
  if (!fs.existsSync(path.join(PKG, 'package.json'))) throw new Error('pkg/ is not built: run make pkg');
  fs.mkdirSync(WORK, { recursive: true });
  const dest = fs.mkdtempSync(path.join(WORK, 'pack-'));
  const out = execFileSync('npm', ['pack', PKG, '--pack-destination', dest, '--json', '--loglevel=error'], {
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out);
  return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort(), size: info.size };
}

let project;
/**
 * A temporary npm project with the packed tarball installed (offline: a local .tgz needs no
 * registry). The same tarball content reuses the same project, so the test files share one install.
 */
export function installedProject() {
  if (project) return project;
  const { tarball, files } = pack();
  const hash = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex').slice(0, 16);
  const dir = path.join(WORK, `project-${hash}`);
  if (!fs.existsSync(path.join(dir, 'node_modules/kaizala/package.json'))) {
    const tmp = fs.mkdtempSync(path.join(WORK, 'install-'));
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'kaizala-consumer', private: true }, null, 2));
    execFileSync('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: tmp,
      stdio: 'inherit',
    });
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      // Another test file installed the same tarball first.
      if (!fs.existsSync(path.join(dir, 'node_modules/kaizala/package.json'))) throw e;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
  project = { dir, files };
  return project;
}

/** Writes `source` to `name` inside the project and runs it with node; resolves with its stdout. */
export function runInProject(name, source, { env = {} } = {}) {
  const { dir } = installedProject();
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${name} exited with ${code}\n${err}${out}`));
    });
  });
}
