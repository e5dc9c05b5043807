/**
 * TFTP ALG and expectation creation shared with FTP (OVS 3.1 lib/conntrack.c: handle_tftp_ctl, expectation_create).
 *
 * TFTP: every packet to port 69 on a connection committed with alg=tftp announces that the server will answer from
 * a new port to the client's port, so an expectation is made for (server, any port) -> (client, client port).
 *
 * expectation_create, for both ALGs: the data connection runs between the control connection's endpoints as seen
 * from the side that made the announcement. An announcement in the original direction (PORT, TFTP request) expects
 * server -> client (the reply key's addresses); one in the reply direction (PASV) expects client -> server (the
 * original key's). Under NAT, the address the data connection must be translated to is remembered with the side it
 * applies to, so the data connection gets the mirror image of the control connection's translation.
 */

import { CK_DPORT, CK_DST, CK_META, CK_SRC, CK_SPORT, CK_WORDS } from './conn-key.js';
import type { Expectations } from './expectations.js';
import { F_FLAGS, F_KEY, F_LABEL, F_MARK, F_REV, FL_NAT_SHIFT, NAT_DST, type ConnTable } from './table.js';

/** Creates the expectation a control connection `slot` announced for destination port `dstPort`. */
export function createExpectation(exps: Expectations, table: ConnTable, slot: number, dstPort: number, reply: boolean): void {
  const u32 = table.u32;
  const r = table.rec(slot);
  const dnat = ((table.i32[r + F_FLAGS] >>> FL_NAT_SHIFT) & NAT_DST) !== 0;
  const key = new Uint32Array(CK_WORDS);
  const repl = new Uint32Array(4);
  let natRplDst: boolean;
  const kk = r + F_KEY;
  const rk = r + F_REV;
  if (reply) {
    for (let i = 0; i < 4; i++) {
      key[CK_SRC + i] = u32[kk + CK_SRC + i];
      key[CK_DST + i] = u32[kk + CK_DST + i];
    }
    natRplDst = true;
    if (dnat) {
      for (let i = 0; i < 4; i++) repl[i] = u32[rk + CK_SRC + i];
      natRplDst = false;
    } else {
      for (let i = 0; i < 4; i++) repl[i] = u32[rk + CK_DST + i];
    }
  } else {
    for (let i = 0; i < 4; i++) {
      key[CK_SRC + i] = u32[rk + CK_SRC + i];
      key[CK_DST + i] = u32[rk + CK_DST + i];
    }
    natRplDst = false;
    if (dnat) {
      for (let i = 0; i < 4; i++) repl[i] = u32[kk + CK_DST + i];
      natRplDst = true;
    } else {
      for (let i = 0; i < 4; i++) repl[i] = u32[kk + CK_SRC + i];
    }
  }
  key[CK_META] = u32[kk + CK_META];
  key[CK_SPORT] = 0;
  key[CK_DPORT] = (dstPort << 16) >>> 0;
  const parentKey = new Uint32Array(CK_WORDS);
  for (let i = 0; i < CK_WORDS; i++) parentKey[i] = u32[kk + i];
  const parentLabel = new Uint32Array(4);
  for (let i = 0; i < 4; i++) parentLabel[i] = u32[r + F_LABEL + i];
  exps.add({ key, parentKey, parentMark: u32[r + F_MARK], parentLabel, replAddr: repl, natRplDst });
}

/** handle_tftp_ctl: the client's source port is where the server's data will come to. */
export function handleTftpCtl(exps: Expectations, table: ConnTable, slot: number, replyDirState: boolean): void {
  const clientPort = table.u32[table.rec(slot) + F_KEY + CK_SPORT] >>> 16;
  createExpectation(exps, table, slot, clientPort, replyDirState);
}
