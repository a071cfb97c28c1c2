// The imported model as YAML people read and diff: the README's layout (addresses and
// routes on one line each), keys in model order, comments saying where things came from.
// Byte-deterministic: the same files give the same bytes.

export interface Comments {
  /** Comment lines written above a key, by model path (`interfaces.eth0.egress`). */
  above: Map<string, string[]>;
  /** A comment after a one-line list item, by model path (`interfaces.eth0.routes[0]`). */
  after: Map<string, string>;
}

const PLAIN = /^[A-Za-z0-9_./-][A-Za-z0-9_./:-]*$/;
const AMBIGUOUS = /^(true|false|null|~|y|n|yes|no|on|off|[-+]?[0-9][0-9_]*|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.(inf|nan))$/i;

/** Control characters (a CR from a CRLF file) written so that a comment stays one line. */
export function visible(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function scalar(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  return PLAIN.test(s) && !AMBIGUOUS.test(s) ? s : JSON.stringify(s);
}

function key(k: string, numericOk: boolean): string {
  if (numericOk && /^[1-9][0-9]*$/.test(k)) return k;
  return scalar(k);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${key(k, false)}: ${flow(x)}`).join(', ')} }`;
  return scalar(v);
}

function pathKey(path: string, k: string): string {
  if (/^[A-Za-z0-9_:$-]+$/.test(k)) return path === '' ? k : `${path}.${k}`;
  return `${path}[${JSON.stringify(k)}]`;
}

/** Emit `obj` (the raw model) as block YAML with flow one-liners for lists of scalars and of small maps. */
export function emitYaml(obj: Record<string, unknown>, comments: Comments, header: string[]): string {
  const out: string[] = header.map((l) => (l === '' ? '#' : `# ${visible(l)}`));
  const walk = (o: Record<string, unknown>, indent: string, path: string, numericKeys: boolean): void => {
    for (const [k, v] of Object.entries(o)) {
      const p = pathKey(path, k);
      for (const c of comments.above.get(p) ?? []) out.push(`${indent}# ${visible(c)}`);
      const kk = key(k, numericKeys);
      if (isScalar(v)) out.push(`${indent}${kk}: ${scalar(v)}`);
      else if (Array.isArray(v)) {
        if (v.every(isScalar)) out.push(`${indent}${kk}: ${flow(v)}`);
        else {
          out.push(`${indent}${kk}:`);
          v.forEach((item, i) => {
            const c = comments.after.get(`${p}[${i}]`);
            out.push(`${indent}  - ${flow(item)}${c ? `  # ${visible(c)}` : ''}`);
          });
        }
      } else if (Object.keys(v as object).length === 0) {
        out.push(`${indent}${kk}: {}`);
      } else {
        out.push(`${indent}${kk}:`);
        walk(v as Record<string, unknown>, `${indent}  `, p, k === 'vlans' && path !== '');
      }
    }
  };
  walk(obj, '', '', false);
  return out.join('\n') + '\n';
}
