import { type GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Max root fields: an operation selects at most `max` fields at its top, fragments spread in
 * (armor limits aliases, depth and directives, not this). Each root field of a query is a
 * request to a service, so this bounds the requests one operation fans out to.
 * Reports through `report` with the count found.
 */
export function maxRootFieldsRule(max: number, report: (context: ValidationContext, found: number) => GraphQLError): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const found = countRootFields(context, operation.selectionSet, new Set());
      if (found > max) context.reportError(report(context, found));
      return false; // nothing below the top is looked at
    },
  });
}

function countRootFields(context: ValidationContext, selectionSet: SelectionSetNode, spread: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(context, selection.selectionSet, spread);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value); // each fragment once: a cycle is NoFragmentCyclesRule's to report
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += countRootFields(context, fragment.selectionSet, spread);
    }
  }
  return count;
}
