// The back-end registry: `--distro` names.
import { NetgenError } from '../errors.js';
import { gentoo, gentooLegacy } from './gentoo.js';
import { rhel6 } from './rhel6.js';
import type { Backend } from './types.js';

export const BACKENDS: readonly Backend[] = [rhel6, gentoo, gentooLegacy];

/** The back-end for a `--distro` value; a usage error listing the known ones otherwise. */
export function getBackend(name: string): Backend {
  const b = BACKENDS.find((x) => x.name === name);
  if (!b) throw new NetgenError('usage', `unknown --distro "${name}"; known: ${BACKENDS.map((x) => x.name).join(', ')}`);
  return b;
}
