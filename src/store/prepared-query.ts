// Hot queries built and compiled once, then run with new values: Kysely otherwise rebuilds and compiles
// the same query on every request, which costs more than running it on SQLite. Values are still bound
// parameters; the compiled SQL is the dialect's own, so both engines keep one code path.
import type { CompiledQuery, Compilable } from 'kysely';

const SENTINEL = '\u0000graph-pki-parameter:';

/**
 * `build` receives a placeholder for each named parameter and returns the query; the result turns
 * values into a CompiledQuery ready for `db.executeQuery`.
 */
export function preparedQuery<Name extends string, Row>(
  build: (parameter: (name: Name) => string) => Compilable<Row>,
): (values: Readonly<Record<Name, unknown>>) => CompiledQuery<Row> {
  const compiled = build((name) => `${SENTINEL}${name}`).compile();
  const slots = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(SENTINEL) ? (value.slice(SENTINEL.length) as Name) : undefined,
  );
  return (values) => ({
    ...compiled,
    parameters: slots.map((name, i) => (name === undefined ? compiled.parameters[i] : values[name])),
  });
}
