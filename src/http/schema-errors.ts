// Turns the first JSON-schema (ajv) error of a request into a message that names the property and says
// what is wrong with it, in the words Graph uses for invalid request bodies.
import { previewJson } from '../diagnostics/json-preview.ts';

export interface SchemaErrorDetail {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  /** Present because ajv runs with `verbose: true`. */
  readonly data?: unknown;
  /** The schema holding the failed keyword (verbose); its title names a nested complex type. */
  readonly parentSchema?: { readonly title?: unknown };
}

export function describeSchemaError(errors: readonly SchemaErrorDetail[], resource = 'request'): string {
  const first = errors[0];
  if (!first) return 'The request is invalid.';
  const property = first.instancePath.split('/').filter(Boolean).join('.');
  const value = previewJson(first.data, 'the value');
  // An object nested in the body (e.g. one item of a collection of a complex type): name its own type
  // and where it is.
  const nested = property ? ` (in '${property}')` : '';
  const objectType = property && typeof first.parentSchema?.title === 'string' ? first.parentSchema.title : resource;
  switch (first.keyword) {
    case 'additionalProperties':
      return `Property '${String(first.params.additionalProperty)}' does not exist on type '${objectType}'${nested}; send only properties the type defines.`;
    case 'required':
      return `A value is required for property '${String(first.params.missingProperty)}' of resource '${objectType}'${nested}.`;
    case 'type':
      if (!property) return 'The request body must be a JSON object.';
      return `Invalid value specified for property '${property}' of resource '${resource}': ${value} is not ${describeType(first.params.type)}.`;
    case 'format':
      if (first.params.format === 'date-time') {
        return `Invalid value specified for property '${property}' of resource '${resource}': cannot convert ${value} to Edm.DateTimeOffset (expected an ISO 8601 date and time with offset, e.g. 2024-10-16T18:09:56Z).`;
      }
      return `Invalid value specified for property '${property}' of resource '${resource}': ${value} is not a valid ${String(first.params.format)}.`;
    case 'const':
    case 'enum':
      return `Invalid value specified for property '${property}' of resource '${resource}': ${value} is not allowed (expected ${describeAllowed(first.params)}).`;
    default:
      return property
        ? `Invalid value specified for property '${property}' of resource '${resource}': ${first.message ?? 'invalid'}.`
        : `The request is invalid: ${first.message ?? 'invalid'}.`;
  }
}


function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  const names = types.map((t) => (t === 'null' ? 'null' : `${/^[aeiou]/.test(String(t)) ? 'an' : 'a'} ${String(t)}`));
  return names.join(' or ');
}

function describeAllowed(params: Readonly<Record<string, unknown>>): string {
  if ('allowedValue' in params) return JSON.stringify(params.allowedValue);
  if (Array.isArray(params.allowedValues)) return params.allowedValues.map((v) => JSON.stringify(v)).join(', ');
  return 'another value';
}
