/** Where the bench finds the repository, whether it runs as bench/*.ts (vitest) or dist/bench/*.js (node). */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first folder above this file holding both package.json and bench/. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bench'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`bench: cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
