// One log line per request: ids, tenant, app, route, status and latency. Never a token or a body.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply, request.routeOptions.url ?? 'not-found');
    done();
  });
}

/** Writes the request line; also for requests no hook sees (framework-errors.ts). */
export function logRequest(request: FastifyRequest, reply: FastifyReply, route: string): void {
  // Skip building the line when info is off (benchmarks, tests).
  if (!logsRequests(request.log.level)) return;
  request.log.info(
    {
      clientRequestId: request.clientRequestId,
      tenantId: request.principal?.tenantId,
      appId: request.principal?.appId,
      method: request.method,
      route,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    },
    'request',
  );
}

/** Whether a logger at `level` writes the request line (an info line). */
export function logsRequests(level: string): boolean {
  return level !== 'silent' && level !== 'warn' && level !== 'error' && level !== 'fatal';
}
