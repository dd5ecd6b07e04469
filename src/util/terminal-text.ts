// Text from images, registries and containers made harmless for a terminal before nook prints
// it: an image label or a registry's error message holding ESC ]0;...BEL or ESC [2J would
// otherwise retitle, clear or reprogram the user's terminal (and some terminals take the
// single-byte C1 CSI, U+009B, for ESC [). Only the controls are touched; other UTF-8 stays.

/** C0 controls but tab and newline, DEL, and the C1 controls. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** What JSON.stringify leaves raw: DEL and the C1 controls (it escapes C0 itself). */
const JSON_RAW_CONTROLS = /[\u007f-\u009f]/g;

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');

/** `\x1b]0;pwned\x07` instead of a working escape sequence; idempotent. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${hex(c)}`);
}

/** JSON text with DEL and C1 controls as \u escapes: the same JSON value, nothing raw left. */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (c) => `\\u00${hex(c)}`);
}

/** JSON.stringify for output a terminal may show. */
export function terminalJson(value: unknown, indent?: number): string {
  return escapeJsonControls(JSON.stringify(value, null, indent));
}

/** A `nook: ...` line on stderr about untrusted things (layer entries, archive contents). */
export function noteToStderr(line: string): void {
  process.stderr.write(`nook: ${terminalSafe(line)}\n`);
}
