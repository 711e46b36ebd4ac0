// The one place a Graph response honours `Prefer: include-unknown-enum-members` (graph/evolvable-enums.ts):
// with it, the body goes out as it is and `Preference-Applied` says so; without it, the members after
// unknownFutureValue are replaced. Routes pass the EDM type of their body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { concealUnknownEnumMembers, INCLUDE_UNKNOWN_ENUM_MEMBERS } from '../graph/evolvable-enums.ts';

/** Whether the request's Prefer header(s) hold the preference (RFC 7240: comma-separated, case-insensitive). */
export function prefersUnknownEnumMembers(request: FastifyRequest): boolean {
  const header = request.headers.prefer;
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values
    .flatMap((value) => value.split(','))
    .some((preference) => (preference.split(/[;=]/)[0] ?? '').trim().toLowerCase() === INCLUDE_UNKNOWN_ENUM_MEMBERS);
}

/** The body to send for `request`, an instance of the EDM type `type`. */
export function applyEnumPreference(request: FastifyRequest, reply: FastifyReply, body: unknown, type: string): unknown {
  if (prefersUnknownEnumMembers(request)) {
    reply.header('preference-applied', INCLUDE_UNKNOWN_ENUM_MEMBERS);
    return body;
  }
  return concealUnknownEnumMembers(body, type);
}
