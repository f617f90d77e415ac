import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';

/**
 * Exact decimal serialized as a string ("19.99"), never a float. Any string is accepted here;
 * the services check its format so that errors name the field at fault.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'Exact decimal serialized as a string, e.g. "19.99"; never a float.',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    throw new GraphQLError('Decimal cannot represent a non-string value');
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new GraphQLError('Decimal must be given as a string, e.g. "19.99"');
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal must be given as a string, e.g. "19.99"', { nodes: ast });
    return ast.value;
  },
});

/** ISO-8601 string, UTC. */
export const DateTimeScalar = new GraphQLScalarType({ ...DateTimeResolver.toConfig(), description: 'ISO-8601 string, UTC' });

/** YYYY-MM-DD. */
export const DateScalar = new GraphQLScalarType({ ...DateResolver.toConfig(), description: 'YYYY-MM-DD' });
