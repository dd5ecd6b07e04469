// The exec planner for nook's own process in a container (cp's tar): confined whatever the
// container holds, never beyond its bounding set.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { helperCapabilities, planExec, type ExecInput } from '../../src/core/exec-plan.js';
import type { Directive } from '../../src/core/directives.js';
import { recordedProcess } from '../../src/containers/record.js';
import type { ProcessSpec } from '../../src/core/plan.js';

/** a container as an older nook recorded it: its launch plan only */
const recorded = (plan: Directive[]): ProcessSpec => recordedProcess({ id: 'c', name: 'c', image: '', created: '', command: ['sh'], plan })!;
const privilegedPlan: Directive[] = [['version', '1'], ['user', '0', '0'], ['caps', '1ffffffffff', '1ffffffffff', '1ffffffffff', '0', '0'], ['exec', 'sh']];
const privileged = recorded(privilegedPlan);
const dropped = recorded([['version', '1'], ['user', '0', '0'], ['caps', '2', '2', '2', '0', '0'], ['no-new-privs'], ['exec', 'sh']]);

function exec(container: ProcessSpec, over: Partial<ExecInput> = {}): Directive[] {
  return planExec({ container, pid: 7, startTicks: 1, command: ['tar'], env: [], tty: false, interactive: false, detach: false, terminalFds: [], ...over });
}

test('helper capabilities: what was asked, within the container\'s bounding set', () => {
  assert.equal(helperCapabilities(privileged, ['CHOWN', 'DAC_OVERRIDE']), ['CHOWN', 'DAC_OVERRIDE']);
  assert.equal(helperCapabilities(dropped, ['CHOWN', 'DAC_OVERRIDE']), ['DAC_OVERRIDE']);
  assert.equal(helperCapabilities(recorded([['version', '1']]), ['CHOWN']), [], 'no caps directive: nothing');
});

test('confined exec: exactly its capabilities and no_new_privs, once, even in a privileged container', () => {
  const out = exec(privileged, { confined: { capabilities: ['CHOWN', 'FOWNER'] }, seccompFd: 4 });
  assert.equal(out.filter((d) => d[0] === 'caps'), [['caps', '9', '9', '9', '0', '0']]);
  assert.equal(out.filter((d) => d[0] === 'no-new-privs'), [['no-new-privs']]);
  assert.equal(out.filter((d) => d[0] === 'no-new-privs').length, exec(dropped, { confined: { capabilities: [] } }).filter((d) => d[0] === 'no-new-privs').length);
  assert.equal(out.find((d) => d[0] === 'seccomp-fd'), ['seccomp-fd', '4']);
  // a plain exec keeps the container's own sets
  assert.equal(exec(privileged).find((d) => d[0] === 'caps'), privilegedPlan[2]);
  assert.not.ok(exec(privileged).some((d) => d[0] === 'no-new-privs'));
});

test.run();
