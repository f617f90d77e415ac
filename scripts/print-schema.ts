/** Prints the gateway's schema to schema/schema.graphql (committed; a test keeps it in sync). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printGatewaySchema } from '../gateway/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const target = path.join(root, 'schema', 'schema.graphql');
await writeFile(target, await printGatewaySchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
