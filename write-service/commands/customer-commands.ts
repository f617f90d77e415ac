import type { CustomerCommand } from '../../schema/commands/customer-commands.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import { requireEmail, requireRegion, requireString, requireUuid } from '../../schema/validation.js';
import { customerDecider } from '../domain/customer.js';
import type { CommandDefinition } from './command-definition.js';

export const registerCustomer: CommandDefinition<CustomerCommand> = {
  name: 'registerCustomer',
  aggregateType: CUSTOMER,
  decider: customerDecider,
  parse(input, { now, newId }) {
    const customerId = input.id === undefined || input.id === null ? newId() : requireUuid(input.id, 'id');
    return {
      aggregateId: customerId,
      command: {
        type: 'RegisterCustomer',
        customerId,
        name: requireString(input.name, 'name', { max: 200 }),
        email: requireEmail(input.email),
        region: requireRegion(input.region),
        now,
      },
    };
  },
  uniqueKeys: (command) => [{ scope: 'customer-email', value: command.email, field: 'email' }],
};

export const customerCommands: CommandDefinition[] = [registerCustomer];
