// Fault injection for testing clients (off unless rules are configured): a matching request is answered
// with 429/500/503/504 in Graph's envelope (Retry-After on 429 and 503, as Graph sends it) or delayed,
// with a configured probability. Runs first, before authentication, like a fault between client and Graph.
import type { FastifyInstance } from 'fastify';
import type { FaultConfig, FaultEffect, FaultRule } from '../config.ts';
import { GraphError, graphErrors } from '../service/errors.ts';

/** Graph paths of this API (the PKIs and the x509 policy), the rules' path when none is given. */
export const DEFAULT_FAULT_PATH = '/*/directory/**|/*/policies/**';

interface CompiledRule {
  readonly rule: FaultRule;
  readonly path: RegExp;
  remaining: number;
}

export function registerFaultInjection(app: FastifyInstance, config: FaultConfig, onFault: (effect: string) => void): void {
  if (config.rules.length === 0) return;
  const rules: CompiledRule[] = config.rules.map((rule) => ({ rule, path: globToRegExp(rule.path), remaining: rule.times ?? Number.POSITIVE_INFINITY }));
  const random = config.seed === undefined ? Math.random : seededRandom(config.seed);

  app.addHook('onRequest', (request, _reply, done) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    for (const compiled of rules) {
      const { rule } = compiled;
      if (compiled.remaining <= 0) continue;
      if (rule.methods.length > 0 && !rule.methods.includes(request.method)) continue;
      if (!compiled.path.test(path)) continue;
      if (random() >= rule.rate) continue;
      compiled.remaining -= 1;
      const effect = rule.effect;
      if ('delayMs' in effect) {
        onFault('delay');
        request.log.debug({ delayMs: effect.delayMs }, 'injected delay');
        setTimeout(() => done(), effect.delayMs);
      } else {
        onFault(String(effect.status));
        done(injectedError(effect));
      }
      return;
    }
    done();
  });
}

function injectedError(effect: Extract<FaultEffect, { status: number }>): GraphError {
  const retryAfter = effect.retryAfterSeconds;
  switch (effect.status) {
    case 429:
      return graphErrors.tooManyRequests({ 'Retry-After': String(retryAfter ?? 1), 'x-ms-throttle-information': 'InjectedFault' });
    case 503:
      return new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable (injected fault). Retry later.', {
        'Retry-After': String(retryAfter ?? 1),
      });
    case 504:
      return withRetryAfter(graphErrors.gatewayTimeout('The request timed out (injected fault).'), retryAfter);
    case 500:
      return withRetryAfter(new GraphError(500, 'InternalServerError', 'An internal server error occurred (injected fault).'), retryAfter);
  }
}

function withRetryAfter(error: GraphError, seconds: number | undefined): GraphError {
  return seconds === undefined ? error : new GraphError(error.status, error.code, error.message, { 'Retry-After': String(seconds) });
}

/**
 * `*` matches within one path segment, `**` across segments, `|` separates alternatives (a path holds
 * no unencoded `|`); case-insensitive like Graph's paths.
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^(?:${glob.split('|').map(globPattern).join('|')})/?$`, 'i');
}

function globPattern(glob: string): string {
  let pattern = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      pattern += '.*';
      i += 1;
    } else if (char === '*') {
      pattern += '[^/]*';
    } else {
      pattern += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return pattern;
}

/** mulberry32: a small, fast, seedable generator; enough to make an injection run repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
