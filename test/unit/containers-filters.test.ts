// ps --filter parsing and matching, and the ps row's Docker-shaped fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { filtersNeedAll, matchesFilters, parseFilters } from '../../src/containers/filters.js';
import { ellipsis, formatPorts, inspectView, psRow } from '../../src/format/container-views.js';
import { deriveState } from '../../src/containers/status.js';
import type { Container } from '../../src/containers/state.js';
import type { ContainerConfig, SupervisorState } from '../../src/containers/record.js';
import { NookError } from '../../src/errors.js';

function make(over: Partial<ContainerConfig>, record?: SupervisorState, alive = false): Container {
  const config: ContainerConfig = { id: 'e'.repeat(64), name: 'web', image: 'busybox:latest', created: '2024-01-01T00:00:00Z', command: ['httpd', '-f', '-p', '8080'], labels: { app: 'x', tier: 'front' }, ...over };
  return { id: config.id, dir: '/x', config, record, state: deriveState(config, record, { processAlive: alive, supervisorAlive: alive, pausedMarker: false, stopMarker: false }) };
}
const running = make({}, { status: 'running', pid: 5, supervisorPid: 4, startedAt: '2024-01-01T00:00:01Z', finishedAt: '', exitCode: 0, restartCount: 0 }, true);
const exited = make({ name: 'old', labels: {} }, { status: 'exited', pid: 0, supervisorPid: 4, startedAt: '2024-01-01T00:00:01Z', finishedAt: '2024-01-01T00:00:09Z', exitCode: 3, restartCount: 0 });

test('name (regex), status, label key and key=value, ancestor, exited, id', () => {
  const m = (c: Container, ...f: string[]) => matchesFilters(c, parseFilters(f));
  assert.ok(m(running, 'name=we'));
  assert.ok(m(running, 'name=^web$'));
  assert.not.ok(m(running, 'name=^eb'));
  assert.ok(m(running, 'status=running'));
  assert.not.ok(m(exited, 'status=running'));
  assert.ok(m(running, 'label=app'));
  assert.ok(m(running, 'label=app=x', 'label=tier=front'));
  assert.not.ok(m(running, 'label=app=y'));
  assert.ok(m(running, 'ancestor=busybox'));
  assert.not.ok(m(running, 'ancestor=debian'));
  assert.ok(m(exited, 'exited=3'));
  assert.not.ok(m(exited, 'exited=0'));
  assert.not.ok(m(running, 'exited=0'));
  assert.ok(m(running, 'id=eee'));
  // several values of one key: any; several keys: all
  assert.ok(m(exited, 'status=running', 'status=exited'));
  assert.not.ok(m(exited, 'status=exited', 'name=web'));
});

test('status and exited filters list stopped containers too', () => {
  assert.ok(filtersNeedAll(parseFilters(['status=exited'])));
  assert.not.ok(filtersNeedAll(parseFilters(['name=x'])));
});

test('bad filters are one clear error', () => {
  for (const f of ['status=sleeping', 'exited=x', 'color=red', 'name']) assert.throws(() => parseFilters([f]), (e: unknown) => e instanceof NookError);
});

test('ps row: truncated id and quoted, shortened command; label method', () => {
  const row = psRow(running, { trunc: true, now: Date.parse('2024-01-01T00:00:04Z') });
  assert.is(row['ID'], 'eeeeeeeeeeee');
  assert.is(row['Command'], '"httpd -f -p 8080"');
  assert.is(row['Status'], 'Up 3 seconds');
  assert.is(row['RunningFor'], '4 seconds ago');
  assert.is(row['State'], 'running');
  assert.is((row['Label'] as (k: string) => string)('tier'), 'front');
  assert.is(psRow(make({ command: ['sh', '-c', 'echo a long command line'] }), { trunc: true })['Command'], '"sh -c echo a long c…"');
  assert.is(ellipsis('abc', 3), 'abc');
  assert.is(formatPorts([{ hostPort: 8080, containerPort: 80 }, { hostPort: 0, containerPort: 53, protocol: 'udp' }]), '0.0.0.0:8080->80/tcp, 53/udp');
});

test('inspect: Docker-shaped state, name with a slash, restart policy', () => {
  const v = inspectView(exited) as { State: Record<string, unknown>; Name: string; HostConfig: { RestartPolicy: unknown }; Path: string; Args: string[] };
  assert.is(v.Name, '/old');
  assert.is(v.Path, 'httpd');
  assert.equal(v.Args, ['-f', '-p', '8080']);
  assert.equal(v.State, { Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 3, Error: '', StartedAt: '2024-01-01T00:00:01Z', FinishedAt: '2024-01-01T00:00:09Z' });
  assert.equal(v.HostConfig.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
});

test.run();
