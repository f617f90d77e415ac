import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomerEvent, CustomerRegistered } from '../../schema/events/customer-events.js';
import { customerAggregate } from '../../write-service/commands/customer-commands.js';
import { fold } from '../../write-service/domain/decider.js';
import { customerDecider, type CustomerCommand, type CustomerState, type RegisterCustomer } from '../../write-service/domain/customer.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContext } from '../support/decider-spec.js';
import { parserOf } from '../support/write-commands.js';

const spec = deciderSpec<CustomerCommand, CustomerState, CustomerEvent>(customerDecider);

const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const newId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const earlier = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';
const context = parseContext(now, newId);
const registerCustomer = { parse: parserOf('RegisterCustomer'), uniqueKeys: customerAggregate.commands.RegisterCustomer.uniqueKeys ?? [] };

const register: RegisterCustomer = {
  type: 'RegisterCustomer',
  customerId,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  region: 'eu-west',
  now,
};
const registered: CustomerRegistered = {
  type: 'CustomerRegistered',
  data: { customerId, name: 'Ada Lovelace', email: 'ada@example.com', region: 'eu-west', registeredAt: earlier },
};
const validInput = { name: 'Ada Lovelace', email: 'ada@example.com', region: 'eu-west' };

describe('customer decider - register', () => {
  it('register - emits CustomerRegistered with the command time', () => {
    spec
      .given([])
      .when(register)
      .then([
        {
          type: 'CustomerRegistered',
          data: { customerId, name: 'Ada Lovelace', email: 'ada@example.com', region: 'eu-west', registeredAt: now },
        },
      ]);
  });

  it('register - an existing id already exists, on customerId', () => {
    spec.given([registered]).when(register).thenFails({ reason: 'AlreadyExists', entity: 'customer', field: 'customerId' });
  });

  it('register - an existing id already exists even with another email', () => {
    spec
      .given([registered])
      .when({ ...register, email: 'other@example.com' })
      .thenFails({ reason: 'AlreadyExists', entity: 'customer', field: 'customerId' });
  });

  it('evolve - the state holds the registered name, email and region', () => {
    assert.deepEqual(fold(customerDecider, [registered]), {
      status: 'registered',
      id: customerId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      region: 'eu-west',
    });
  });
});

describe('customer commands - registerCustomer parse', () => {
  it('parse - takes id and time from the context when no id is given', () => {
    const parsed = registerCustomer.parse(validInput, context);
    assert.deepEqual(parsed, {
      command: { type: 'RegisterCustomer', customerId: newId, name: 'Ada Lovelace', email: 'ada@example.com', region: 'eu-west', now },
    });
    assert.equal(customerAggregate.streamId(parsed.command), newId);
  });

  it('parse - keeps a client-chosen id, lower-cased', () => {
    const parsed = registerCustomer.parse({ ...validInput, id: customerId.toUpperCase() }, context);
    assert.equal(customerAggregate.streamId(parsed.command), customerId);
    assert.equal(parsed.command.customerId, customerId);
  });

  it('parse - email is trimmed and lower-cased', () => {
    assert.equal(
      registerCustomer.parse({ ...validInput, email: '  Ada.Lovelace@Example.COM ' }, context).command.email,
      'ada.lovelace@example.com',
    );
  });

  it('parse - name is trimmed', () => {
    assert.equal(registerCustomer.parse({ ...validInput, name: '  Ada  ' }, context).command.name, 'Ada');
  });

  it('parse - an invalid email is BAD_USER_INPUT on input.email', () => {
    for (const email of [
      '',
      '   ',
      'ada',
      'ada@',
      '@example.com',
      'ada@example',
      'ada lovelace@example.com',
      'ada@@example.com',
      `${'a'.repeat(250)}@x.io`,
      42,
      null,
      undefined,
    ]) {
      assertBadInput(() => registerCustomer.parse({ ...validInput, email }, context), 'input.email');
    }
  });

  it('parse - region is 1-32 letters, digits, "_" or "-", lower-cased', () => {
    for (const region of ['eu', 'EU-WEST_1', 'r'.repeat(32)]) {
      assert.equal(registerCustomer.parse({ ...validInput, region }, context).command.region, region.toLowerCase());
    }
    for (const region of ['', ' ', 'eu west', 'eu.west', 'eu/west', 'eu*', 'r'.repeat(33), 7, null]) {
      assertBadInput(() => registerCustomer.parse({ ...validInput, region }, context), 'input.region');
    }
  });

  it('parse - name is 1 to 200 characters', () => {
    assert.equal(registerCustomer.parse({ ...validInput, name: 'n'.repeat(200) }, context).command.name, 'n'.repeat(200));
    for (const name of ['', '   ', 'n'.repeat(201), 3, undefined]) {
      assertBadInput(() => registerCustomer.parse({ ...validInput, name }, context), 'input.name');
    }
  });

  it('parse - a malformed id is BAD_USER_INPUT on input.id', () => {
    assertBadInput(() => registerCustomer.parse({ ...validInput, id: 'not-a-uuid' }, context), 'input.id');
  });
});

describe('customer commands - registerCustomer unique keys', () => {
  const keysOf = (command: RegisterCustomer) =>
    registerCustomer.uniqueKeys.map((unique) => ({ scope: unique.scope, value: unique.value(command), field: unique.field }));

  it('unique keys - the normalized email under scope customer-email, naming the field email', () => {
    const { command } = registerCustomer.parse({ ...validInput, email: ' ADA@Example.com' }, context);
    assert.deepEqual(keysOf(command), [{ scope: 'customer-email', value: 'ada@example.com', field: 'email' }]);
  });

  it('unique keys - two spellings of one email claim the same key', () => {
    const keyOf = (email: string) => keysOf(registerCustomer.parse({ ...validInput, email }, context).command);
    assert.deepEqual(keyOf('Ada@Example.com'), keyOf(' ada@example.COM  '));
  });
});
