import {
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  type ExecutionArgs,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Principal } from '../auth.js';
import { grantFor } from './field-grant.js';
import { fieldPolicy, ROOT_TYPES } from './field-policy.js';

/** Per authorized schema: the subscription fields whose values can hold fields with a rule (a Customer's email). */
const personalReach = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/** Notes which subscription fields reach a personal field (authorizeSchema calls it). */
export function rememberPersonalReach(schema: GraphQLSchema): void {
  const guarded = new Set(Object.keys(fieldPolicy).filter((name) => !ROOT_TYPES.includes(name as (typeof ROOT_TYPES)[number])));
  const reaching = new Map<string, boolean>();
  const reaches = (type: GraphQLNamedType): boolean => {
    const known = reaching.get(type.name);
    if (known !== undefined) return known;
    reaching.set(type.name, false); // a cycle adds nothing
    let found = guarded.has(type.name);
    if (!found && (isObjectType(type) || isInterfaceType(type))) {
      found = Object.values(type.getFields()).some((field) => reaches(getNamedType(field.type)));
    }
    if (!found && isUnionType(type)) found = type.getTypes().some(reaches);
    reaching.set(type.name, found);
    return found;
  };
  const fields = Object.values(schema.getSubscriptionType()?.getFields() ?? {});
  personalReach.set(schema, new Set(fields.filter((field) => reaches(getNamedType(field.type))).map((field) => field.name)));
}

/**
 * Who may share an execution of a subscription's values with this principal (see
 * createSharedSubscribe, which already groups by tenant and roles): '' when its answer depends
 * only on its roles, else its own id. A customer watching its order, or anyone whose grant on a
 * field of the answer depends on who they are, is executed on its own; staff and admin, and
 * anyone watching the catalog, still share.
 */
export function sharingAudience(args: ExecutionArgs): string {
  const reach = personalReach.get(args.schema);
  const principal = (args.contextValue as { principal?: Principal } | undefined)?.principal;
  if (!reach || !principal) return '';
  const selection = getOperationAST(args.document, args.operationName)?.selectionSet.selections[0];
  const fieldName = selection?.kind === Kind.FIELD ? selection.name.value : undefined;
  const rule = fieldName === undefined ? undefined : fieldPolicy.Subscription?.[fieldName];
  if (!rule || !fieldName) return principal.userId;
  try {
    if (grantFor(rule, principal, fieldName).kind !== 'all') return principal.userId;
    if (!reach.has(fieldName)) return '';
    const personal = Object.entries(fieldPolicy).filter(([type]) => !ROOT_TYPES.includes(type as (typeof ROOT_TYPES)[number]));
    const seesAll = personal.every(([type, rules]) => Object.values(rules).every((r) => grantFor(r, principal, type).kind === 'all'));
    return seesAll ? '' : principal.userId;
  } catch {
    return principal.userId; // refused: it will not run, but never share
  }
}
