import { GraphQLError } from 'graphql';
import { AppError, ErrorCode } from '../../schema/index.js';

/** What an operation may exceed, as `extensions.limit` says it. */
export type LimitName = 'depth' | 'aliases' | 'rootFields' | 'tokens' | 'directives' | 'cost' | 'responseBytes';

/**
 * An operation over a limit: QUERY_TOO_COMPLEX with `extensions.limit` (what was exceeded),
 * `extensions.max` (the limit) and, when known, `extensions.found`. A GraphQLError (what
 * validation rules report and Apollo's hooks throw) around the AppError that normalizeError
 * answers with; HTTP 400, as for any document refused before it runs.
 */
export function queryTooComplex(limit: LimitName, max: number, found?: number): GraphQLError {
  const details: Record<string, unknown> = { limit, max, ...(found !== undefined && { found }) };
  const message = `query too complex: ${found === undefined ? 'more than' : found} ${describe[limit]}, the limit is ${max}`;
  return new GraphQLError(message, {
    originalError: new AppError(ErrorCode.QUERY_TOO_COMPLEX, message, undefined, details),
    extensions: { http: { status: 400 } },
  });
}

const describe: Record<LimitName, string> = {
  depth: 'levels of nesting',
  aliases: 'aliases',
  rootFields: 'root fields',
  tokens: 'tokens',
  directives: 'directives',
  cost: 'of cost',
  responseBytes: 'bytes of answer',
};

/** graphql-js's refusal of a document over `maxTokens` (parse's own option); graphql 16 spells it "more that". */
const TOO_MANY_TOKENS = /Document contains more tha[nt] (\d+) tokens\. Parsing aborted\./;

/**
 * The limit error behind `error`, if a limit refused it: Apollo wraps what validation rules
 * report (ValidationError, GRAPHQL_VALIDATION_FAILED) and what the parser throws (SyntaxError,
 * GRAPHQL_PARSE_FAILED) with codes of its own; the client is told QUERY_TOO_COMPLEX instead.
 */
export function limitErrorOf(error: unknown): GraphQLError | undefined {
  for (let cause = error; cause instanceof Error; cause = cause instanceof GraphQLError ? cause.originalError : undefined) {
    if (cause instanceof AppError) return cause.code === ErrorCode.QUERY_TOO_COMPLEX ? asGraphQL(cause) : undefined;
    const tokens = TOO_MANY_TOKENS.exec(cause.message);
    if (tokens) return queryTooComplex('tokens', Number(tokens[1]));
  }
  return undefined;
}

function asGraphQL(error: AppError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { http: { status: 400 } } });
}
