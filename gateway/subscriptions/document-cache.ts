import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { parseFailed, validationFailed } from '../normalize-error.js';

/** Most distinct subscription documents kept; the oldest is forgotten first. */
const DEFAULT_CAPACITY = 1000;
/** Most query text kept, in UTF-16 units: a parsed document holds about five times its text (measured: ten 20 MB documents, 1.27 GB of heap). */
const DEFAULT_MAX_CHARS = 4 * 1024 * 1024;

export interface DocumentCacheOptions {
  /** Most documents kept. */
  capacity?: number;
  /** Most query text kept, summed over the documents, in characters. */
  maxChars?: number;
  /** Rules beside graphql's own (the edge's limits). */
  rules?: readonly ValidationRule[];
  /** The parser's `maxTokens`: it stops at the first token over. */
  maxTokens?: number;
  /** What a refusal looks like to the client: the edge's limits give theirs (see gateway/limits); undefined: a validation failure. */
  refusal?: (error: GraphQLError) => GraphQLError | undefined;
}

/**
 * Parsed and validated subscription documents by query text, so that ten thousand dashboards
 * sending the same subscription parse and validate it once (validation alone costs about
 * 180 us), and share one DocumentNode, which is what lets createSharedSubscribe group them.
 * Bounded by count and by the size of the texts, so that clients sending ever new or ever
 * larger queries cannot grow it without limit; a text larger than the whole budget is checked
 * and not kept.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  private chars = 0;
  private readonly capacity: number;
  private readonly maxChars: number;
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly options: DocumentCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    this.rules = [...specifiedRules, ...(options.rules ?? [])];
  }

  /** Documents kept, and the characters of their texts. */
  get size(): { documents: number; chars: number } {
    return { documents: this.documents.size, chars: this.chars };
  }

  /** The document, or the syntax or validation errors to answer with. */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.documents.get(query);
    if (cached) return cached;
    const outcome = this.check(query);
    if (query.length > this.maxChars) return outcome;
    while (this.documents.size > 0 && (this.documents.size >= this.capacity || this.chars + query.length > this.maxChars)) {
      const oldest = this.documents.keys().next().value!;
      this.documents.delete(oldest);
      this.chars -= oldest.length;
    }
    this.documents.set(query, outcome);
    this.chars += query.length;
    return outcome;
  }

  private check(query: string): DocumentNode | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query, this.options.maxTokens === undefined ? undefined : { maxTokens: this.options.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return [this.options.refusal?.(error) ?? parseFailed(error)];
      throw error;
    }
    const errors = validate(this.schema, document, this.rules);
    return errors.length > 0 ? errors.map((error) => this.options.refusal?.(error) ?? validationFailed(error)) : document;
  }
}
