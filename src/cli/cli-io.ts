/**
 * What a command needs from the process, passed in so commands run the same in a terminal and in tests: where its
 * text goes, whether stderr is a terminal (progress display), and the working directory paths resolve against.
 */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly stderrIsTTY: boolean;
  readonly cwd: string;
}

/** A usage mistake on the command line: printed as `flowlab: <message>` (plus a hint), exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
};
