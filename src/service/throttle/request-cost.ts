// What a request costs under Graph's identity-and-access throttling: 1 resource unit, plus 1 write for
// POST/PATCH/PUT/DELETE; `$select` costs 1 less, `$expand` 1 more, `$top` below 20 1 less; never below 1.

export interface RequestCost {
  readonly resourceUnits: number;
  readonly writes: number;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export function requestCost(method: string, query: Readonly<Record<string, unknown>>): RequestCost {
  let units = 1;
  for (const [name, value] of Object.entries(query)) {
    // Graph accepts query options with or without the `$`, in any case.
    const option = name.toLowerCase().replace(/^\$/, '');
    if (option === 'select') units -= 1;
    else if (option === 'expand') units += 1;
    else if (option === 'top' && typeof value === 'string' && /^\d+$/.test(value) && Number(value) < 20) units -= 1;
  }
  return { resourceUnits: Math.max(1, units), writes: WRITE_METHODS.has(method.toUpperCase()) ? 1 : 0 };
}
