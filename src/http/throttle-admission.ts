// Throttling of Graph requests as Graph answers it: every admitted request carries x-ms-resource-unit
// (and x-ms-throttle-limit-percentage once a bucket is more than 80 % used); a refused one gets 429
// TooManyRequests with Retry-After, x-ms-throttle-scope and x-ms-throttle-information.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { graphErrors } from '../service/errors.ts';
import type { Throttle, ThrottleLimitName, ThrottlePriority, ThrottleVerdict } from '../service/throttle/throttle.ts';
import type { AdmissionCheck } from './auth-hook.ts';

/** Graph sends x-ms-throttle-limit-percentage from 0.8 of the limit, capped at 1.8. */
const WARN_FRACTION = 0.8;
const MAX_REPORTED_FRACTION = 1.8;

export function throttleAdmission(throttle: Throttle, onThrottled: (limit: ThrottleLimitName) => void): AdmissionCheck {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal;
    if (!principal) return undefined;
    const verdict = throttle.check({
      tenantId: principal.tenantId,
      appId: principal.appId,
      method: request.method,
      query: request.query as Record<string, unknown>,
      priority: throttlePriority(request.headers['x-ms-throttle-priority']),
    });
    if (verdict.allowed) {
      reply.headers(admittedHeaders(verdict));
      return undefined;
    }
    onThrottled(verdict.limit);
    return graphErrors.tooManyRequests({
      'Retry-After': String(verdict.retryAfterSeconds),
      'x-ms-resource-unit': String(verdict.resourceUnits),
      'x-ms-throttle-scope': verdict.scope,
      'x-ms-throttle-information': verdict.information,
    });
  };
}

/** The headers of an admitted request: its cost, and how full its fullest bucket is once past 80 %. */
export function admittedHeaders(verdict: Extract<ThrottleVerdict, { allowed: true }>): Record<string, string> {
  const headers: Record<string, string> = { 'x-ms-resource-unit': String(verdict.resourceUnits) };
  if (verdict.usedFraction > WARN_FRACTION) {
    headers['x-ms-throttle-limit-percentage'] = Math.min(MAX_REPORTED_FRACTION, verdict.usedFraction).toFixed(2);
  }
  return headers;
}

export function throttlePriority(header: string | string[] | undefined): ThrottlePriority {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  return value === 'low' || value === 'high' ? value : 'normal';
}
