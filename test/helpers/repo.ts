import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing separator. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
