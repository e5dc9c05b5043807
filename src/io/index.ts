/**
 * Capture file I/O: read classic pcap and pcapng (`openCapture`, `readAll`), write classic pcap (`PcapWriter`).
 * See capture.ts for the design: one reused record per reader, zero-copy bytes, damage reported with its location.
 */
export {
  LinkType,
  STREAM_THRESHOLD,
  copyRecord,
  openCapture,
  readAll,
  readCapture,
  sniffFormat,
  toEthernetFrame,
} from './capture.js';
export type {
  CaptureContents,
  CaptureFormat,
  CaptureReader,
  CaptureReaderOptions,
  CaptureRecord,
} from './capture.js';
export { DEFAULT_MAX_CAPLEN, PcapReader } from './pcap-reader.js';
export { PcapngReader } from './pcapng-reader.js';
export type { PcapngInterface } from './pcapng-reader.js';
export { DEFAULT_WRITER_SNAPLEN, PcapWriter } from './pcap-writer.js';
export type { PcapWriterOptions } from './pcap-writer.js';
