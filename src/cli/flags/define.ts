// What every verb's flag declaration uses. A declaration is one `.option()` chain; the flags
// type its verb takes is inferred from it (FlagsOf), so the two cannot drift apart.
import type { Command } from '@commander-js/extra-typings';

/** Collects a repeatable flag (`-e A -e B`) into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags a declaration yields: what commander hands the verb. */
export type FlagsOf<Define extends (cmd: Command) => { opts(): object }> = ReturnType<ReturnType<Define>['opts']>;
