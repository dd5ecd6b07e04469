// A profile as text for people: one paragraph per syscalls[] entry, with its action, its
// conditions and its comment. Pure.
import type { Action, ArgCondition, Condition, Profile, SyscallRule } from './profile.js';
import { errnoName } from '../../util/errno.js';

export function describeProfile(name: string, profile: Profile): string {
  const lines = [`${name}  (${profile.file})`];
  if (profile.comment) lines.push(profile.comment);
  lines.push(`default: ${actionText(profile.defaultAction)}`);
  const arches = profile.archMap.length > 0
    ? profile.archMap.map((m) => m.subArchitectures.length ? `${m.architecture} (with ${m.subArchitectures.join(', ')})` : m.architecture).join('; ')
    : profile.architectures.join(', ') || 'native only';
  lines.push(`architectures: ${arches}`);
  if (profile.capDrop.length) lines.push(`capabilities dropped: ${profile.capDrop.join(' ')} (before --cap-add)`);
  lines.push('');
  for (const rule of profile.syscalls) lines.push(...ruleText(rule), '');
  return lines.join('\n');
}

function ruleText(rule: SyscallRule): string[] {
  const when = [
    ...rule.args.map(argText),
    ...conditionText(rule.includes, 'with', 'on', 'kernel >='),
    ...conditionText(rule.excludes, 'unless', 'except on', 'unless kernel >='),
  ];
  const head = `${actionText(rule.action)}${when.length ? ` if ${when.join(' and ')}` : ''}:`;
  const out = [head, ...wrap(rule.names.join(' '), 96).map((l) => `    ${l}`)];
  if (rule.comment) out.push(...wrap(rule.comment, 96).map((l) => `    # ${l}`));
  return out;
}

function actionText(a: Action): string {
  switch (a.name) {
    case 'SCMP_ACT_ALLOW': return 'allow';
    case 'SCMP_ACT_ERRNO': return `refuse with ${errnoName(a.data)}`;
    case 'SCMP_ACT_TRACE': return `trace (${a.data})`;
    default: return a.name.replace('SCMP_ACT_', '').toLowerCase().replace('_', ' ');
  }
}

function argText(a: ArgCondition): string {
  const hex = (n: number) => `0x${n.toString(16)}`;
  const ops = { SCMP_CMP_NE: '!=', SCMP_CMP_LT: '<', SCMP_CMP_LE: '<=', SCMP_CMP_EQ: '==', SCMP_CMP_GE: '>=', SCMP_CMP_GT: '>' } as const;
  if (a.op === 'SCMP_CMP_MASKED_EQ') return `arg${a.index} & ${hex(a.value)} == ${hex(a.valueTwo)}`;
  return `arg${a.index} ${ops[a.op]} ${hex(a.value)}`;
}

function conditionText(c: Condition, capWord: string, archWord: string, kernelWord: string): string[] {
  const out: string[] = [];
  if (c.caps.length) out.push(`${capWord} ${c.caps.map((x) => `CAP_${x}`).join(capWord === 'with' ? ' and ' : ' or ')}`);
  if (c.arches.length) out.push(`${archWord} ${c.arches.join(' or ')}`);
  if (c.minKernel) out.push(`${kernelWord} ${c.minKernel.join('.')}`);
  return out;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

