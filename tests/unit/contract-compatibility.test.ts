import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildASTSchema, buildSchema, Kind, parse, printSchema, visit, type GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../gateway/index.js';

/** The project root: this file runs compiled from <root>/dist/tests/unit. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const contractFile = path.join(root, 'schema', 'contract.graphql');

async function contractSchema(): Promise<GraphQLSchema> {
  return buildSchema(await readFile(contractFile, 'utf8'));
}

/** What would break a client of the contract, going from the contract to `schema`. */
async function breakingChanges(contract: GraphQLSchema, schema: GraphQLSchema): Promise<Change[]> {
  const changes = await diff(contract, schema);
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
}

function describeChanges(changes: Change[]): string {
  return changes.map((change) => `  - ${change.type} at ${change.path ?? '?'}: ${change.message}`).join('\n');
}

/** Our schema with three deliberate breaks: a field removed, an enum value removed, an argument made required. */
function brokenCopyOf(schema: GraphQLSchema): GraphQLSchema {
  const document = visit(parse(printSchema(schema)), {
    ObjectTypeDefinition(node) {
      if (node.name.value === 'Order') return { ...node, fields: node.fields?.filter((f) => f.name.value !== 'customer') };
      if (node.name.value !== 'Query') return undefined;
      return {
        ...node,
        fields: node.fields?.map((field) =>
          field.name.value !== 'orders'
            ? field
            : {
                ...field,
                arguments: field.arguments?.map((arg) =>
                  arg.name.value !== 'first' || arg.type.kind === Kind.NON_NULL_TYPE
                    ? arg
                    : {
                        ...arg,
                        type: { kind: Kind.NON_NULL_TYPE, type: arg.type },
                      },
                ),
              },
        ),
      };
    },
    EnumTypeDefinition(node) {
      if (node.name.value !== 'OrderStatus') return undefined;
      return { ...node, values: node.values?.filter((v) => v.name.value !== 'SHIPPED') };
    },
  });
  return buildASTSchema(document);
}

describe('schema - contract compatibility', () => {
  it('schema - the gateway schema is a compatible superset of schema/contract.graphql', async () => {
    const breaking = await breakingChanges(await contractSchema(), await buildGatewaySchema());
    assert.equal(breaking.length, 0, `the gateway schema breaks the public contract:\n${describeChanges(breaking)}`);
  });

  it('schema - the check catches a removed field, a removed enum value and a newly required argument', async () => {
    const broken = brokenCopyOf(await buildGatewaySchema());
    const breaking = await breakingChanges(await contractSchema(), broken);
    const paths = breaking.map((change) => change.path);
    for (const expected of ['Order.customer', 'OrderStatus.SHIPPED', 'Query.orders.first']) {
      assert.ok(paths.includes(expected), `expected a breaking change at ${expected}, got:\n${describeChanges(breaking)}`);
    }
    assert.equal(breaking.length, 3, `only the three deliberate breaks:\n${describeChanges(breaking)}`);
  });
});
