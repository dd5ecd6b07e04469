// Container state from its records and the liveness facts, and Docker's status strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveState, LOST_EXIT_CODE, type Liveness } from '../../src/containers/status.js';
import { statusText } from '../../src/format/container-views.js';
import type { ContainerConfig, SupervisorState } from '../../src/containers/record.js';

const config = (over: Partial<ContainerConfig> = {}): ContainerConfig => ({ id: 'a'.repeat(64), name: 'web', image: 'busybox', created: '2024-01-01T00:00:00Z', command: ['sleep', '9'], ...over });
const live = (over: Partial<Liveness> = {}): Liveness => ({ processAlive: false, supervisorAlive: false, pausedMarker: false, stopMarker: false, ...over });
const record = (over: Partial<SupervisorState> = {}): SupervisorState => ({ status: 'running', pid: 10, supervisorPid: 9, startedAt: '2024-01-01T00:00:00Z', finishedAt: '', exitCode: 0, restartCount: 0, ...over });
const NOW = Date.parse('2024-01-01T00:02:00Z');

test('no state.json: created', () => {
  const s = deriveState(config(), undefined, live());
  assert.is(s.status, 'created');
  assert.is(statusText(s, NOW), 'Created');
});

test('running while the recorded process lives; paused with the marker', () => {
  const s = deriveState(config(), record(), live({ processAlive: true, supervisorAlive: true }));
  assert.is(s.status, 'running');
  assert.is(s.pid, 10);
  assert.is(statusText(s, NOW), 'Up 2 minutes');
  const p = deriveState(config(), record(), live({ processAlive: true, supervisorAlive: true, pausedMarker: true }));
  assert.is(p.status, 'paused');
  assert.ok(p.running && p.paused);
  assert.is(statusText(p, NOW), 'Up 2 minutes (Paused)');
});

test('recorded running but process and supervisor gone (reboot, killed supervisor): exited 255', () => {
  const s = deriveState(config(), record(), live());
  assert.is(s.status, 'exited');
  assert.is(s.exitCode, LOST_EXIT_CODE);
  assert.not.ok(s.running);
  assert.is(s.pid, 0);
});

test('exited, and restarting while a supervisor with a policy waits', () => {
  const ended = record({ status: 'exited', pid: 0, exitCode: 3, finishedAt: '2024-01-01T00:01:00Z', restartCount: 2 });
  const e = deriveState(config(), ended, live());
  assert.is(statusText(e, NOW), 'Exited (3) About a minute ago');
  const r = deriveState(config({ restartPolicy: { name: 'always' } }), ended, live({ supervisorAlive: true }));
  assert.is(r.status, 'restarting');
  assert.ok(r.running && r.restarting);
  assert.is(r.restartCount, 2);
  assert.is(statusText(r, NOW), 'Restarting (3) About a minute ago');
  // a stop marker ends the restarting, as does policy "no"
  assert.is(deriveState(config({ restartPolicy: { name: 'always' } }), ended, live({ supervisorAlive: true, stopMarker: true })).status, 'exited');
  assert.is(deriveState(config(), ended, live({ supervisorAlive: true })).status, 'exited');
});

test.run();
