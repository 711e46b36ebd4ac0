// Checks a parsed $filter against what the entity allows (property, operator, literal type) and turns it
// into the store's neutral Condition. Refusals say which property, operator or value is at fault.
import type { Condition, ElementCondition, Scalar } from '../store/list-query.ts';
import { type EntityDefinition, type FilterOperator, type PropertyDefinition, propertyNamed } from './entities.ts';
import { type FilterNode, FilterSyntaxError, FilterUnsupportedError, type Literal } from './odata-filter.ts';

export function filterCondition(node: FilterNode, entity: EntityDefinition): Condition {
  switch (node.type) {
    case 'and':
    case 'or':
      return { kind: node.type, conditions: [filterCondition(node.left, entity), filterCondition(node.right, entity)] };
    case 'not':
      return { kind: 'not', condition: filterCondition(node.operand, entity) };
    case 'compare': {
      const [field, definition] = filterable(entity, node.property, node.op);
      return { kind: 'compare', field, op: node.op, value: scalarFor(field, definition, node.value, node.position, node.op) };
    }
    case 'in': {
      const [field, definition] = filterable(entity, node.property, 'in');
      return { kind: 'in', field, values: node.values.map((v) => scalarFor(field, definition, v, node.position, 'eq')) };
    }
    case 'startswith': {
      const [field] = filterable(entity, node.property, 'startswith');
      if (node.value.type !== 'string') throw new FilterSyntaxError(`startswith needs a string literal for '${field}'`, node.position);
      return { kind: 'startsWith', field, prefix: node.value.value };
    }
    case 'any': {
      const collection = entity.lambdaCollections?.[node.collection];
      if (!collection) {
        throw new FilterUnsupportedError(`Could not find a collection named '${node.collection}' on type '${entity.typeName}' to use with 'any' in $filter.`);
      }
      return { kind: 'any', field: collection.field, condition: elementCondition(node.predicate, node.variable, node.collection, collection.operators) };
    }
  }
}

/** The lambda's predicate as a condition on one element: only the variable, with the collection's operators. */
function elementCondition(node: FilterNode, variable: string, collection: string, operators: readonly string[]): ElementCondition {
  const allowed = (op: string) => {
    if (!operators.includes(op)) {
      throw new FilterUnsupportedError(`The operator '${op}' is not supported inside '${collection}/any' (supported: ${operators.join(', ')}).`);
    }
  };
  const onVariable = (property: string) => {
    if (property !== variable) throw new FilterUnsupportedError(`Inside '${collection}/any(${variable}: …)' only the lambda variable '${variable}' may be compared; found '${property}'.`);
  };
  const text = (literal: Literal, position: number) => {
    if (literal.type !== 'string') throw new FilterSyntaxError(`the value compared with an element of '${collection}' must be a quoted string`, position);
    return literal.value;
  };
  switch (node.type) {
    case 'and':
    case 'or':
      return { kind: node.type, conditions: [elementCondition(node.left, variable, collection, operators), elementCondition(node.right, variable, collection, operators)] };
    case 'not':
      return { kind: 'not', condition: elementCondition(node.operand, variable, collection, operators) };
    case 'compare':
      onVariable(node.property);
      allowed(node.op);
      return { kind: 'eq', value: text(node.value, node.position) };
    case 'in':
      onVariable(node.property);
      allowed('in');
      return { kind: 'or', conditions: node.values.map((v) => ({ kind: 'eq', value: text(v, node.position) }) as const) };
    case 'startswith':
      onVariable(node.property);
      allowed('startswith');
      return { kind: 'startsWith', prefix: text(node.value, node.position) };
    case 'any':
      throw new FilterUnsupportedError(`A lambda inside '${collection}/any' is not supported.`);
  }
}

function filterable(entity: EntityDefinition, name: string, op: FilterOperator): [string, PropertyDefinition] {
  const field = propertyNamed(entity, name);
  const definition = field === undefined ? undefined : entity.properties[field];
  if (field === undefined || !definition) {
    throw new FilterUnsupportedError(`Could not find a property named '${name}' on type '${entity.typeName}' to use in $filter.`);
  }
  if (definition.filter.length === 0) throw new FilterUnsupportedError(`The property '${field}' does not support $filter.`);
  if (!definition.filter.includes(op)) {
    throw new FilterUnsupportedError(`The operator '${op}' is not supported in $filter on the property '${field}' (supported: ${definition.filter.join(', ')}).`);
  }
  return [field, definition];
}

function scalarFor(field: string, definition: PropertyDefinition, literal: Literal, position: number, op: string): Scalar {
  const mismatch = (expected: string) =>
    new FilterSyntaxError(`the value compared with '${field}' must be ${expected}`, position);
  if (literal.type === 'null') {
    if (op !== 'eq' && op !== 'ne') throw new FilterSyntaxError(`'${field}' cannot be compared with null using '${op}'`, position);
    return null;
  }
  switch (definition.type) {
    case 'string':
      if (literal.type !== 'string') throw mismatch("a quoted string such as 'Contoso'");
      return literal.value;
    case 'datetime':
      if (literal.type !== 'datetime') throw mismatch('a DateTimeOffset such as 2024-10-16T18:09:56Z (without quotes)');
      return literal.value;
    case 'boolean':
      if (literal.type !== 'boolean') throw mismatch('true or false');
      return literal.value;
    case 'enum': {
      const value = literal.type === 'string' || literal.type === 'enum' ? literal.value : undefined;
      if (value === undefined || !definition.enumMembers?.includes(value)) {
        throw mismatch(`one of ${definition.enumMembers?.map((m) => `'${m}'`).join(', ')}`);
      }
      return value;
    }
    case 'binary':
    case 'complex':
    case 'stringCollection':
      throw new FilterUnsupportedError(`The property '${field}' does not support $filter.`);
  }
}
