/**
 * Why the domain refuses a command: a closed set, each with the facts the service edge needs to
 * answer it. `field` names a field of the command (`lines[1].productId`), never a wire path.
 */
export type Refusal =
  | { reason: 'NotFound'; entity: string; id: string; field: string }
  | { reason: 'AlreadyExists'; entity: string; id: string; field: string }
  | { reason: 'InvalidTransition'; entity: string; id: string; status: string }
  | { reason: 'OutOfStock'; productId: string; available: number }
  | { reason: 'Discontinued'; productId: string }
  | { reason: 'RuleViolated'; field: string; limits?: Readonly<Record<string, number>> };

/** A command the domain refuses; built by the named constructors below. */
export class DomainError extends Error {
  private constructor(
    readonly refusal: Refusal,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(entity: string, id: string, field: string): DomainError {
    return new DomainError({ reason: 'NotFound', entity, id, field }, `${entity} ${id} not found`);
  }

  static alreadyExists(entity: string, id: string, field: string): DomainError {
    return new DomainError({ reason: 'AlreadyExists', entity, id, field }, `${entity} ${id} already exists`);
  }

  /** The entity's status does not allow the command. */
  static invalidTransition(entity: string, id: string, status: string): DomainError {
    return new DomainError({ reason: 'InvalidTransition', entity, id, status }, `${entity} ${id} is ${status}`);
  }

  static outOfStock(productId: string, available: number): DomainError {
    return new DomainError({ reason: 'OutOfStock', productId, available }, `only ${available} of product ${productId} available`);
  }

  static discontinued(productId: string): DomainError {
    return new DomainError({ reason: 'Discontinued', productId }, `product ${productId} is discontinued`);
  }

  /** A value of the command breaks a rule of the aggregate's state; `limits` tell what would pass. */
  static ruleViolated(field: string, message: string, limits?: Readonly<Record<string, number>>): DomainError {
    return new DomainError({ reason: 'RuleViolated', field, ...(limits ? { limits } : {}) }, message);
  }
}
