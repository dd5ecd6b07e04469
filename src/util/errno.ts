// errno numbers by their names (EPERM, ENOSYS ...), for messages.
import { constants } from 'node:os';

export function errnoName(errno: number): string {
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}
