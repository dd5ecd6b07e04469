// Address checks without node:net, which `nook run` would otherwise load (with streams) on
// every start just to validate an address.

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 or 6 for a literal IPv4 or IPv6 address, 0 otherwise (as node:net's isIP). */
export function isIP(text: string): 0 | 4 | 6 {
  if (V4.test(text)) return 4;
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}
