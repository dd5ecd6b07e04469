// Node built-ins that only some paths need (child_process, net, dgram, crypto cost `nook run`
// several milliseconds to load): required on first use instead of at start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const childProcess = (): typeof import('node:child_process') => require('node:child_process');
export const net = (): typeof import('node:net') => require('node:net');
export const dgram = (): typeof import('node:dgram') => require('node:dgram');
export const crypto = (): typeof import('node:crypto') => require('node:crypto');
