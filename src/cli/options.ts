// Small parsers shared by the verbs' flag declarations.

/** Collects a repeatable flag (`-e A -e B`) into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
