/**
 * Errors for bad user input (flows, topology, pcaps, commands).
 *
 * Packet problems never use these: a malformed packet becomes a counted drop reason on the datapath. These are for
 * things a person typed or a file they handed us, and they always say where: file, line, column (1-based), so the
 * user can go straight to the mistake.
 */

export interface SourceLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export class InputError extends Error {
  readonly location: SourceLocation;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, location: SourceLocation = {}) {
    super(formatLocated(detail, location));
    this.name = 'InputError';
    this.detail = detail;
    this.location = location;
  }

  /** The same error, placed in a file and line (used when a line parser's error bubbles up to a file loader). */
  at(location: SourceLocation): InputError {
    const merged: SourceLocation = {
      file: location.file ?? this.location.file,
      line: location.line ?? this.location.line,
      column:
        this.location.column !== undefined && location.column !== undefined
          ? location.column + this.location.column - 1
          : (this.location.column ?? location.column),
    };
    return new InputError(this.detail, merged);
  }
}

/** A flow, match or action that does not parse or violates OVS's rules (prerequisites, widths, ranges). */
export class FlowSyntaxError extends InputError {
  constructor(detail: string, location: SourceLocation = {}) {
    super(detail, location);
    this.name = 'FlowSyntaxError';
  }

  override at(location: SourceLocation): FlowSyntaxError {
    const e = super.at(location);
    return new FlowSyntaxError(e.detail, e.location);
  }
}

/** A capture file that is not a readable pcap/pcapng, or is cut short. */
export class CaptureError extends InputError {
  constructor(detail: string, location: SourceLocation = {}) {
    super(detail, location);
    this.name = 'CaptureError';
  }
}

/** A topology (topology.json, `ovs-vsctl show` text) that names unknown things or is inconsistent. */
export class TopologyError extends InputError {
  constructor(detail: string, location: SourceLocation = {}) {
    super(detail, location);
    this.name = 'TopologyError';
  }
}

export function formatLocated(detail: string, loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(String(loc.line));
  if (loc.column !== undefined) parts.push(String(loc.column));
  return parts.length > 0 ? `${parts.join(':')}: ${detail}` : detail;
}
