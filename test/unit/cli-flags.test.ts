// A verb's flags are declared once (src/cli/flags/) and their type is inferred from that
// declaration: what commander parses is what the verb is typed to receive.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from '@commander-js/extra-typings';
import { defineCreate, defineRun, type RunFlags } from '../../src/cli/flags/run.js';
import { buildProgram } from '../../src/cli/main.js';

function parse(define: typeof defineRun, argv: string[]): { flags: RunFlags; args: unknown[] } {
  const cmd = define(new Command('run').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return { flags: cmd.opts(), args: cmd.processedArgs };
}

test('run: defaults, repeatable flags, and the command\'s own flags left to it', () => {
  const { flags, args } = parse(defineRun, ['-e', 'A=1', '-e', 'B', '--rm', '--net', 'none', 'busybox', 'echo', '-e', 'x']);
  assert.equal(flags.env, ['A=1', 'B']);
  assert.is(flags.rm, true);
  assert.is(flags.pull, 'missing');
  assert.is(flags.net, 'none');
  assert.is(flags.network, undefined);
  assert.equal(args, ['busybox', ['echo', '-e', 'x']]);
  // @ts-expect-error: a flag nobody declared is no property of RunFlags
  assert.is(flags.cpusetCpus, undefined);
  // the limits (src/core/limits.ts) arrive as given; their units are parsed by the verb
  const limits = parse(defineRun, ['-m', '256m', '--pids-limit', '64', '--stop-timeout', '3', 'busybox']).flags;
  assert.equal([limits.memory, limits.pidsLimit, limits.stopTimeout], ['256m', '64', '3']);
});

test('create takes exactly run\'s flags', () => {
  const options = (define: typeof defineRun) => define(new Command('x')).options.map((o) => o.flags);
  assert.equal(options(defineCreate), options(defineRun));
  assert.ok(options(defineRun).includes('--volumes-from <container[:ro|rw]>'));
});

test('the program declares only the verb it runs, every verb for help', () => {
  assert.equal(buildProgram('run').commands.map((c) => c.name()), ['run']);
  const all = buildProgram().commands.map((c) => c.name());
  assert.ok(all.includes('run') && all.includes('container') && all.includes('logout'));
  assert.is(new Set(all).size, all.length);
});

test('--version and -v declare no verb, and still print the version', async () => {
  for (const flag of ['--version', '-v']) {
    const program = buildProgram(flag);
    assert.equal(program.commands.map((c) => c.name()), [], flag);
    let out = '';
    program.configureOutput({ writeOut: (s) => { out += s; } });
    await program.parseAsync([flag], { from: 'user' }).catch((err: { exitCode?: number }) => assert.is(err.exitCode, 0));
    assert.is(out, '0.1.0\n', flag);
  }
});

test.run();
