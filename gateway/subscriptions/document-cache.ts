import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { parseFailed, validationFailed } from '../normalize-error.js';

/** Most distinct subscription documents kept; the oldest is forgotten first. */
const DEFAULT_CAPACITY = 1000;

/**
 * Parsed and validated subscription documents by query text, so that ten thousand dashboards
 * sending the same subscription parse and validate it once (validation alone costs about
 * 180 us), and share one DocumentNode, which is what lets createSharedSubscribe group them.
 * Bounded, so that clients sending ever new queries cannot grow it without limit.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The document, or the syntax or validation errors to answer with. */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.documents.get(query);
    if (cached) return cached;
    const outcome = this.check(query);
    if (this.documents.size >= this.capacity) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, outcome);
    return outcome;
  }

  private check(query: string): DocumentNode | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return [parseFailed(error)];
      throw error;
    }
    const errors = validate(this.schema, document);
    return errors.length > 0 ? errors.map(validationFailed) : document;
  }
}
