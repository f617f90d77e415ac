import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import type * as GraphQL from 'graphql';
import { graphqlInstrumentation } from '../../platform/telemetry/graphql-instrumentation.js';

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';
const BY_LITERAL = 'query Lamp { product(id: "p-lamp") { title } }';

describe("graphqlInstrumentation - an execution's span carries its document's text, made once per document (decision #51)", () => {
  const exporter = new InMemorySpanExporter();
  let graphql: typeof GraphQL;
  let schema: GraphQL.GraphQLSchema;
  let unregister: () => void;
  before(() => {
    context.setGlobalContextManager(new StackContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    unregister = registerInstrumentations({ instrumentations: [graphqlInstrumentation({ mergeItems: true, ignoreResolveSpans: true })] });
    // Required after the instrumentation is in place, which patches graphql as it loads.
    graphql = createRequire(import.meta.url)('graphql') as typeof GraphQL;
    schema = graphql.buildSchema('type Product { id: ID! title: String } type Query { product(id: ID!): Product }');
  });
  after(() => {
    unregister();
    trace.disable();
    context.disable();
  });

  /** A parsed document that counts how often its tokens are walked (how the instrumentation rebuilds the text). */
  function countingDocument(query: string): { document: GraphQL.DocumentNode; walks: () => number } {
    const document = graphql.parse(query);
    const loc = document.loc!;
    const startToken = loc.startToken;
    let walks = 0;
    Object.defineProperty(loc, 'startToken', {
      get: () => {
        walks += 1;
        return startToken;
      },
    });
    return { document, walks: () => walks };
  }

  async function run(document: GraphQL.DocumentNode, variableValues: Record<string, unknown> = {}): Promise<void> {
    const result = await graphql.execute({
      schema,
      document,
      variableValues,
      rootValue: { product: ({ id }: { id: string }) => ({ id, title: `Product ${id}` }) },
    });
    assert.deepEqual(result.errors, undefined);
  }

  const executions = () => exporter.getFinishedSpans().filter((span) => span.name.startsWith('query '));

  it('walks the tokens on the first execution only; every execution carries the same text', async () => {
    exporter.reset();
    const { document, walks } = countingDocument(PRODUCT);
    await run(document, { id: 'p-1' });
    const firstWalks = walks();
    assert.ok(firstWalks > 0, 'the first execution makes the text from the tokens');
    for (const id of ['p-2', 'p-3']) await run(document, { id });
    const spans = executions();
    assert.deepEqual(
      spans.map((span) => span.name),
      ['query Product', 'query Product', 'query Product'],
    );
    const texts = spans.map((span) => span.attributes['graphql.source']);
    assert.deepEqual(texts, Array(3).fill('query Product($id: ID!) { product(id: $id) { id title } }'));
    assert.equal(walks(), firstWalks, 'later executions do not walk the tokens again');
    assert.ok(
      spans.every(
        (span) => span.attributes['graphql.operation.name'] === 'Product' && span.attributes['graphql.operation.type'] === 'query',
      ),
      'the rest of the span as the instrumentation makes it',
    );
  });

  it("keeps the instrumentation's own text per document: literal values masked, another document its own", async () => {
    exporter.reset();
    const lamp = countingDocument(BY_LITERAL);
    const product = countingDocument(PRODUCT);
    await run(lamp.document);
    await run(product.document, { id: 'p-9' });
    const firstWalks = [lamp.walks(), product.walks()];
    await run(lamp.document);
    await run(product.document, { id: 'p-10' });
    assert.deepEqual(
      executions().map((span) => [span.name, span.attributes['graphql.source']]),
      [
        ['query Lamp', 'query Lamp { product(id: "*") { title } }'],
        ['query Product', 'query Product($id: ID!) { product(id: $id) { id title } }'],
        ['query Lamp', 'query Lamp { product(id: "*") { title } }'],
        ['query Product', 'query Product($id: ID!) { product(id: $id) { id title } }'],
      ],
    );
    assert.deepEqual([lamp.walks(), product.walks()], firstWalks);
  });
});
