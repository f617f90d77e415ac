import assert from 'node:assert/strict';
import type { Parsed, ParseContext } from '../../write-service/commands/command-definition.js';
import { commandOfType, type WriteCommand } from '../../write-service/registry.js';

/** The write side's command of a domain type. */
export type CommandOf<Type extends WriteCommand['type']> = Extract<WriteCommand, { type: Type }>;

/** A client command's `parse`, found through the registry by the command's type, its result typed as that command. */
export function parserOf<Type extends WriteCommand['type']>(type: Type) {
  const { definition } = commandOfType(type);
  assert.ok(definition.parse, `${type} is not a client command`);
  const parse = definition.parse.bind(definition);
  return (input: Record<string, unknown>, context: ParseContext) => parse(input, context) as Parsed<CommandOf<Type>>;
}
