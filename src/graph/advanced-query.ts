// Directory objects' "advanced query capabilities" (learn aad-advanced-queries; spec cba-setup-and-signin
// §1.4, graph-pki-api §9.5): some query features work only when the request carries the header
// `ConsistencyLevel: eventual` and `$count=true`. Without them Graph refuses the request; these are the
// refusals, in Graph's words.
import { graphErrors } from '../service/errors.ts';
import type { Condition } from '../store/list-query.ts';

/** The parts of a list or count request that decide whether it is an advanced query. */
export interface AdvancedQueryRequest {
  /** The ConsistencyLevel header, if any. */
  readonly consistencyLevel: string | undefined;
  readonly count: boolean;
  readonly filter: Condition | undefined;
  readonly hasOrderBy: boolean;
  /** The request is the /$count segment. */
  readonly countSegment: boolean;
  /** The resource named in errors, e.g. User. */
  readonly resource: string;
}

/** Throws Graph's 400 when the request uses an advanced feature without what it needs. */
export function requireAdvancedQueryParameters(request: AdvancedQueryRequest): void {
  const eventual = request.consistencyLevel?.trim().toLowerCase() === 'eventual';
  if (eventual && (request.count || request.countSegment)) return;
  if ((request.count || request.countSegment) && !eventual) throw graphErrors.badRequest('$count is not currently supported.');
  const filter = request.filter;
  if (filter) {
    const lambda = firstLambda(filter);
    if (lambda) {
      throw graphErrors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${lambda}' of resource '${request.resource}'.`);
    }
    const operator = firstAdvancedOperator(filter);
    if (operator) {
      throw graphErrors.unsupportedQuery(
        `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
      );
    }
    if (request.hasOrderBy) throw graphErrors.unsupportedQuery('Sorting not supported for current query.');
  }
}

/** The field of the first `any` lambda, which needs the advanced parameters (certificateUserIds does). */
function firstLambda(condition: Condition): string | undefined {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.conditions.map(firstLambda).find((field) => field !== undefined);
    case 'not':
      return firstLambda(condition.condition);
    case 'any':
      return condition.field;
    default:
      return undefined;
  }
}

/** `ne` and `not` are advanced on directory objects. */
function firstAdvancedOperator(condition: Condition): string | undefined {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.conditions.map(firstAdvancedOperator).find((op) => op !== undefined);
    case 'not':
      return 'not';
    case 'compare':
      return condition.op === 'ne' ? 'ne' : undefined;
    default:
      return undefined;
  }
}
