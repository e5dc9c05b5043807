#!/usr/bin/env node
/**
 * flowlab's command line: `flowlab COMMAND [options]`.
 *
 * Errors a user can fix are reported on one line, located where possible, and never with a stack trace:
 *   flowlab: <file>:<line>:<col>: message     (bad flow line, topology, capture, snapshot text)
 *   flowlab: replay: message                   (command-line mistakes, with a pointer to --help)
 * and exit status 2. Anything else is a bug in flowlab: it is reported with its stack and exit status 70
 * (EX_SOFTWARE). A replay that finished but found damaged input captures exits 1.
 */

import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../base/index.js';
import { processIo, UsageError, type CliIo } from './cli-io.js';
import { COMMANDS, mainHelp } from './commands.js';

export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Runs one command line; returns the exit status. */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const c = COMMANDS.find((x) => x.name === topic);
    if (topic !== undefined && c === undefined) {
      io.err(`flowlab: unknown command "${topic}"\n${mainHelp()}`);
      return EXIT_USAGE;
    }
    io.out(c?.help ?? mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`flowlab: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}, help)\n`);
    return EXIT_USAGE;
  }
  try {
    return command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`flowlab: ${command.name}: ${e.message} (see flowlab ${command.name} --help)\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      io.err(`flowlab: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    io.err(`flowlab: internal error: ${err.stack ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}

/** True when this module is the program being run (directly, or through the npm bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
