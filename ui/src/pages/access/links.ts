// Links inside Access. Each segment is encoded whole, "/" included, so an auth mount path such as
// "team/ldap" stays one segment: parseRoute splits on "/" before it decodes. (route.ts's href()
// keeps "/" for folder paths, which is right for secrets but not for a mount or role name.)

/** `#/access/<segment>/...` with every segment fully encoded. */
export function accessHref(...segments: string[]): string {
  return `#/access/${segments.map(encodeURIComponent).join('/')}`;
}

/** An auth mount path as the UI names it: no trailing "/" ("approle/" → "approle"). */
export function mountName(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** A comma- or space-separated list as typed into a field, trimmed, empties dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
