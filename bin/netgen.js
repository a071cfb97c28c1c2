#!/usr/bin/env node
// The bundled CLI (npm run build makes it); dist/cli.js is the same code unbundled.
import { main } from '../dist/bundle/cli.js';

main(process.argv.slice(2));
