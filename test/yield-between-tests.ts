/**
 * Gives the event loop one turn before every test.
 *
 * Many tests here run external tools synchronously (OVS via run_ovs.py, tshark). A file of such tests can keep its
 * worker's event loop busy for minutes, and vitest's worker→runner RPC answers then wait unread until its 60 s
 * timeout fires ("Timeout calling onTaskUpdate"). One setImmediate turn between tests lets those answers in.
 */
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
