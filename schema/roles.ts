/**
 * The roles a token's `roles` claim may grant (DESIGN.md §6), as both sides read them: the
 * gateway decides on them, and the write-service decides again on the roles carried in each
 * command message. Any other string in the claim grants nothing.
 */
export const Role = {
  /** Reads the catalog, its own customer record and its own orders; acts only as itself (its `sub` is its customer id). */
  customer: 'customer',
  /** Changes the catalog, ships orders, reads everything in its tenant. */
  staff: 'staff',
  /** May do everything in its tenant. */
  admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = Object.values(Role);

/** The known roles among a claim's strings. */
export function knownRoles(claimed: readonly string[]): Role[] {
  return ROLES.filter((role) => claimed.includes(role));
}

/** Whether an id the caller names is the caller's own (customer ids are UUIDs, compared without case). */
export function isCallerId(userId: string, id: unknown): boolean {
  return typeof id === 'string' && id !== '' && id.toLowerCase() === userId.toLowerCase();
}
