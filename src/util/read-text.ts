// Reading a text file that may be missing or unreadable (/etc/subuid, /proc/<pid>/io ...).
import { readFileSync } from 'node:fs';

/** The file's text, or '' when it cannot be read. */
export function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
