#!/usr/bin/env node
/**
 * Keeps `npm ci` working against a registry that only mirrors some platforms' binaries.
 *
 * rollup (under vitest) lists one optional package per platform (@rollup/rollup-darwin-x64, ...). The registry this
 * project is built from serves only the Linux ones, so `npm install` leaves the others out of package-lock.json, and
 * `npm ci` then refuses the lock as "not in sync" (Missing: @rollup/rollup-android-arm-eabi@ from lock file). This
 * script adds an entry for each missing optional dependency, marked for a platform that never matches, so npm ci
 * accepts the lock and skips them. Run it after any `npm install` that rewrites the lock.
 */
import * as fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `${path === '' ? '' : `${path}/`}node_modules/${name}`.replace(/^\//, '');
    const hoisted = `node_modules/${name}`;
    if (lock.packages[key] !== undefined || lock.packages[hoisted] !== undefined) continue;
    lock.packages[hoisted] = { version, dev: pkg.dev, optional: true, os: ['none'], cpu: ['none'] };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lock-platform-stubs: ${added} entries added\n`);
