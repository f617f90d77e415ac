import type { CommandEntry, SomeAggregate } from './commands/command-definition.js';
import { customerAggregate } from './commands/customer-commands.js';
import { orderAggregate } from './commands/order-commands.js';
import { productAggregate } from './commands/product-commands.js';
import { reviewAggregate } from './commands/review-commands.js';
import { wishlistAggregate } from './commands/wishlist-commands.js';

/** Every aggregate of the write side, with its decider and its commands: a new aggregate is one entry here. */
export const aggregates = [productAggregate, customerAggregate, orderAggregate, reviewAggregate, wishlistAggregate] as const;

/** Any command of the write side (what the saga and tests send straight to the handler). */
export type WriteCommand = Parameters<(typeof aggregates)[number]['streamId']>[0];

const entries: readonly (CommandEntry & { type: string })[] = aggregates.flatMap((aggregate: SomeAggregate) =>
  Object.entries(aggregate.commands).map(([type, definition]) => ({ type, aggregate, definition })),
);

/** The command of this domain type. */
export function commandOfType(type: WriteCommand['type']): CommandEntry {
  const entry = entries.find((candidate) => candidate.type === type);
  if (!entry) throw new Error(`no aggregate takes command ${type}`);
  return entry;
}

/** The command of this name (a mutation or a saga step). */
export function commandNamed(name: string): CommandEntry | undefined {
  return entries.find((entry) => entry.definition.name === name);
}

/** The commands clients may send: those with a parse (saga steps have none). */
export const clientCommands: readonly CommandEntry[] = entries.filter((entry) => entry.definition.parse !== undefined);
