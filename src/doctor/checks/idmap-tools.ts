// newuidmap/newgidmap write the subuid/subgid ranges into a user namespace's maps; they need to
// be setuid root or to carry CAP_SETUID/CAP_SETGID as file capabilities. Without them nook maps
// only the user's own id, so this is a warning.
import { statSync } from 'node:fs';
import { installFix, ok, warn, type CheckResult } from '../check.js';
import { grantsCap } from '../parse.js';
import { findProgram, runProbe } from '../probe.js';
import { xattrSize } from '../xattr.js';
import { findTool } from '../../launcher/identity.js';

const FALLBACK = 'nook falls back to mapping only your own id';

async function privilege(path: string, cap: string): Promise<string | null> {
  const st = statSync(path);
  if ((st.mode & 0o4000) !== 0 && st.uid === 0) return 'setuid root';
  const getcap = findProgram('getcap');
  if (getcap) {
    const r = await runProbe(getcap, [path]);
    return r.code === 0 && grantsCap(r.stdout, cap) ? `file capability ${cap}` : null;
  }
  const size = xattrSize(path, 'security.capability');
  return size === null ? null : 'file capabilities (security.capability is set; install getcap to see which)';
}

export async function checkIdMapTool(tool: 'newuidmap' | 'newgidmap'): Promise<CheckResult> {
  const cap = tool === 'newuidmap' ? 'cap_setuid' : 'cap_setgid';
  // the one `nook run` would use
  const path = findTool(tool);
  if (!path) return warn(tool, `not installed; ${FALLBACK}`, installFix('uidmap', 'shadow-utils'));
  const how = await privilege(path, cap);
  if (how) return ok(tool, `${path}, ${how}`);
  return warn(
    tool,
    `${path} is neither setuid root nor has ${cap}; ${FALLBACK}`,
    `sudo chmod u+s ${path} (or sudo setcap ${cap}=ep ${path}; or reinstall: sudo apt install --reinstall uidmap on Debian, sudo dnf reinstall shadow-utils on Fedora)`,
  );
}
