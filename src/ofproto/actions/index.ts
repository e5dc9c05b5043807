/** OpenFlow actions: the `Action` union, its ovs-ofctl parser and its OVS-exact printer. */
export * from './types.js';
export {
  parseActions,
  checkActions,
  parsePort,
  parseSubfield,
  splitKeyValues,
  type ActionParseOptions,
  type ActionCheckContext,
  type KeyValue,
  type PortNamer,
} from './parse.js';
export { formatActions, formatPort, formatSubfield, type FormatActionsOptions, type OfVersion } from './print.js';
