import {
  CUSTOMER,
  type CustomerEvent,
  type RegisterCustomerInput,
  requireEmail,
  requireRegion,
  requireString,
} from '../../schema/index.js';
import { customerDecider, type CustomerCommand, type CustomerState } from '../domain/customer.js';
import { pathsIn, type AggregateDefinition, type Untrusted } from './command-definition.js';
import { idOrNew } from './command-input.js';

/** Customers: registration, with the email reserved per tenant in the events' transaction. */
export const customerAggregate: AggregateDefinition<CustomerCommand, CustomerState, CustomerEvent, void> = {
  type: CUSTOMER,
  decider: customerDecider,
  streamId: (command) => command.customerId,
  inputId: 'customerId',
  commands: {
    RegisterCustomer: {
      name: 'registerCustomer',
      parse(input: Untrusted<RegisterCustomerInput>, { now, newId }) {
        const at = pathsIn<RegisterCustomerInput>();
        return {
          command: {
            type: 'RegisterCustomer',
            customerId: idOrNew(input.id, at('id'), newId),
            name: requireString(input.name, at('name'), { max: 200 }),
            email: requireEmail(input.email, at('email')),
            region: requireRegion(input.region, at('region')),
            now,
          },
        };
      },
      uniqueKeys: [{ scope: 'customer-email', field: 'email', value: (command) => command.email }],
    },
  },
};
