/**
 * Snapshots out of notes: find `ovs-vsctl show` / `ovs-ofctl dump-flows BR` / `ovs-ofctl show BR` outputs in a
 * Markdown document and turn them into snapshot files.
 *
 * Operators keep such outputs in runbooks and wikis: a fenced block with the command (```sh ... ```), followed,
 * possibly after some prose, by a fenced block with what it printed. This walks the fenced blocks in order; a block
 * whose only command line is one of those three commands claims the next fenced block as its output. The result maps
 * snapshot file names (ovs-snapshot.ts) to their text; nothing is rewritten, so the files stay what OVS printed.
 */

import { TopologyError } from '../base/index.js';

export interface FencedBlock {
  readonly info: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced code block (``` or ~~~, three or more) in document order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*(.*)$/.exec(lines[i].replace(/\r$/, ''));
    if (open === null) continue;
    const fence = open[2];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j].replace(/\r$/, '');
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(l);
      if (close !== null && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(l);
    }
    blocks.push({ info: open[3].trim(), body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

const COMMANDS: readonly { re: RegExp; file: (m: RegExpExecArray) => string }[] = [
  { re: /^(?:sudo\s+)?ovs-vsctl\s+show$/, file: () => 'vsctl-show.txt' },
  { re: /^(?:sudo\s+)?ovs-ofctl\s+(?:-O\s*\S+\s+|--names\s+)*dump-flows\s+(\S+)$/, file: (m) => `${m[1]}.flows` },
  { re: /^(?:sudo\s+)?ovs-ofctl\s+(?:-O\s*\S+\s+)*show\s+(\S+)$/, file: (m) => `ofctl-show-${m[1]}.txt` },
];

/**
 * Snapshot files found in `markdown`: file name -> text (ending in a newline). Throws if there is no
 * `ovs-vsctl show` output, or if one command's output appears twice with different text.
 */
export function extractSnapshotFromMarkdown(markdown: string, file: string): Map<string, string> {
  const blocks = fencedBlocks(markdown);
  const out = new Map<string, string>();
  for (let i = 0; i < blocks.length - 1; i++) {
    const cmdLines = blocks[i].body
      .split('\n')
      .map((l) => l.trim().replace(/^\$\s*/, ''))
      .filter((l) => l !== '');
    if (cmdLines.length !== 1) continue;
    for (const c of COMMANDS) {
      const m = c.re.exec(cmdLines[0]);
      if (m === null) continue;
      const name = c.file(m);
      const text = blocks[i + 1].body.replace(/\s+$/, '') + '\n';
      const prev = out.get(name);
      if (prev !== undefined && prev !== text) {
        throw new TopologyError(`"${cmdLines[0]}" appears twice with different output`, { file, line: blocks[i + 1].line });
      }
      out.set(name, text);
      i++; // the output block is consumed
      break;
    }
  }
  if (!out.has('vsctl-show.txt')) throw new TopologyError('no `ovs-vsctl show` output found (a ```sh block, then its output block)', { file });
  return out;
}
