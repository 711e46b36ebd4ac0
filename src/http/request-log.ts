// One log line per request: ids, tenant, app, route, status and latency. Never a token or a body.
import type { FastifyInstance } from 'fastify';

export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.addHook('onResponse', (request, reply, done) => {
    // Skip building the line when info is off (benchmarks, tests).
    if (!logsRequests(request.log.level)) {
      done();
      return;
    }
    request.log.info(
      {
        clientRequestId: request.clientRequestId,
        tenantId: request.principal?.tenantId,
        appId: request.principal?.appId,
        method: request.method,
        route: request.routeOptions.url ?? 'not-found',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
}

/** Whether a logger at `level` writes the request line (an info line). */
export function logsRequests(level: string): boolean {
  return level !== 'silent' && level !== 'warn' && level !== 'error' && level !== 'fatal';
}
