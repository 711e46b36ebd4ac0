// Prometheus metrics for GET /metrics, on a registry of this app instance's own (never prom-client's
// global one), so several servers in one process (tests, benchmarks) keep separate series.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CrlCacheTier, CrlEvictionReason, CrlLookupResult, CrlMetricsSink } from '../service/verification/crl-service.ts';
import type { CrlHealthMetric } from '../service/verification/crl-health-service.ts';
import type { JobState } from '../store/job-repository.ts';

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed'];
const CRL_RESULTS: readonly CrlLookupResult[] = ['memory', 'database', 'downloaded', 'failed'];
const CRL_TIERS: readonly CrlCacheTier[] = ['memory', 'database'];
const CRL_EVICTION_REASONS: readonly CrlEvictionReason[] = ['size', 'unreferenced'];

export interface MetricsSources {
  /** Jobs by state across the whole store, read at scrape time. */
  countJobsByState(): Promise<Record<JobState, number>>;
  /** The stored CRL health checks of every tenant, judged at scrape time; absent = no CRL health series. */
  crlHealth?(): Promise<readonly CrlHealthMetric[]>;
}

const CRL_HEALTH_STATUSES: readonly CrlHealthMetric['status'][] = ['healthy', 'warning', 'failing'];
const CRL_HEALTH_LABELS = ['tenant_id', 'certificate_authority_id', 'kind'] as const;

/** How often the event-loop delay metric samples, in ms. */
const EVENT_LOOP_SAMPLE_MS = 100;

export class AppMetrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'route' | 'status_code'>;
  private readonly crlRequests: Counter<'result'>;
  private readonly crlBytes: Counter;
  private readonly crlCacheBytes: Gauge<'tier'>;
  private readonly crlEvictions: Counter<'tier' | 'reason'>;
  private readonly throttled: Counter<'limit'>;
  private readonly faults: Counter<'effect'>;
  private readonly fastReads: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // Event-loop delay sampled every 100 ms rather than prom-client's 10 ms: the 10 ms timer woke an idle
    // server 200 times a second (~1 % of a core per instance, measured); 100 ms still catches every stall
    // that matters to a request.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.requestDuration = new Histogram({
      name: 'graph_pki_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern and status code',
      labelNames: ['route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'graph_pki_upload_jobs',
      help: 'Upload jobs in the store, by state (all tenants)',
      labelNames: ['state'],
      registers,
      async collect() {
        let counts: Record<JobState, number>;
        try {
          counts = await sources.countJobsByState();
        } catch {
          // Database unreachable: drop the series rather than report stale counts (or fail the scrape).
          this.reset();
          return;
        }
        for (const state of JOB_STATES) this.set({ state }, counts[state]);
      },
    });
    if (sources.crlHealth) registerCrlHealthGauges(this.registry, sources.crlHealth);
    this.crlRequests = new Counter({
      name: 'graph_pki_crl_cache_requests_total',
      help: 'CRL lookups during verification, by where the CRL came from (or failed)',
      labelNames: ['result'],
      registers,
    });
    for (const result of CRL_RESULTS) this.crlRequests.inc({ result }, 0);
    this.crlBytes = new Counter({
      name: 'graph_pki_crl_downloaded_bytes_total',
      help: 'Bytes of CRLs downloaded',
      registers,
    });
    this.crlCacheBytes = new Gauge({
      name: 'graph_pki_crl_cache_bytes',
      help: 'Bytes the CRL cache holds, in memory (DER and index) and in the database (as stored; all instances share it)',
      labelNames: ['tier'],
      registers,
    });
    for (const tier of CRL_TIERS) this.crlCacheBytes.set({ tier }, 0);
    this.crlEvictions = new Counter({
      name: 'graph_pki_crl_cache_evictions_total',
      help: 'CRLs dropped from the cache, by tier and reason (size: room for a more recently used one; unreferenced: no live CA names the URL)',
      labelNames: ['tier', 'reason'],
      registers,
    });
    for (const tier of CRL_TIERS) for (const reason of CRL_EVICTION_REASONS) this.crlEvictions.inc({ tier, reason }, 0);
    this.throttled = new Counter({
      name: 'graph_pki_throttled_requests_total',
      help: 'Graph requests refused with 429 by throttling, by the limit they exceeded',
      labelNames: ['limit'],
      registers,
    });
    for (const limit of ['resource-units', 'writes', 'tenant-writes']) this.throttled.inc({ limit }, 0);
    this.faults = new Counter({
      name: 'graph_pki_injected_faults_total',
      help: 'Requests answered or delayed by fault injection, by effect (status code or delay)',
      labelNames: ['effect'],
      registers,
    });
    // Zero series from the start, so a rate() over them is defined before the first fault.
    for (const effect of ['429', '500', '503', '504', 'delay']) this.faults.inc({ effect }, 0);
    this.fastReads = new Counter({
      name: 'graph_pki_fast_read_requests_total',
      help: 'GETs of one PKI answered by the fast read path (also counted in the request duration histogram)',
      registers,
    });
  }

  /** A GET of one PKI answered by the fast read path (fast-pki-read.ts). */
  fastRead(): void {
    this.fastReads.inc();
  }

  requestThrottled(limit: string): void {
    this.throttled.inc({ limit });
  }

  faultInjected(effect: string): void {
    this.faults.inc({ effect });
  }

  /** The sink CrlService reports to. */
  get crlSink(): CrlMetricsSink {
    return {
      lookup: (result) => this.crlRequests.inc({ result }),
      downloadedBytes: (bytes) => this.crlBytes.inc(bytes),
      cacheBytes: (tier, bytes) => this.crlCacheBytes.set({ tier }, bytes),
      evicted: (tier, reason, count) => this.crlEvictions.inc({ tier, reason }, count),
    };
  }

  observeRequest(route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ route, status_code: String(statusCode) }, seconds);
  }
}

/**
 * The CRL health monitor's view, read from the stored checks at scrape time (so every instance exports the
 * same): seconds until nextUpdate, the status (1 for the current one, 0 for the others), and the last
 * download's duration and size, per tenant, CA and kind (base/delta).
 */
function registerCrlHealthGauges(registry: Registry, read: () => Promise<readonly CrlHealthMetric[]>): void {
  const registers = [registry];
  const labelNames = [...CRL_HEALTH_LABELS];
  // One read per scrape, shared by the four gauges (each collects on its own).
  let pending: Promise<readonly CrlHealthMetric[] | undefined> | undefined;
  const entries = () => {
    pending ??= read()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const gauge = (name: string, help: string, extraLabels: readonly string[], fill: (gauge: Gauge<string>, entry: CrlHealthMetric, labels: Record<string, string>) => void) =>
    new Gauge({
      name,
      help,
      labelNames: [...labelNames, ...extraLabels],
      registers,
      async collect() {
        const found = await entries();
        // Database unreachable: no series rather than stale ones.
        this.reset();
        for (const entry of found ?? []) fill(this, entry, { tenant_id: entry.tenantId, certificate_authority_id: entry.certificateAuthorityId, kind: entry.kind });
      },
    });
  gauge('graph_pki_crl_seconds_until_next_update', 'Seconds until the nextUpdate of the CRL configured on a CA (negative once expired), by tenant, CA and kind', [], (g, e, labels) => {
    if (e.timeLeftSeconds !== null) g.set(labels, e.timeLeftSeconds);
  });
  gauge('graph_pki_crl_health_status', 'CRL health of the CRL configured on a CA: 1 for its current status (healthy, warning, failing), 0 for the others', ['status'], (g, e, labels) => {
    for (const status of CRL_HEALTH_STATUSES) g.set({ ...labels, status }, status === e.status ? 1 : 0);
  });
  gauge('graph_pki_crl_download_duration_seconds', "Duration of the CRL health check's last download of the CRL, by tenant, CA and kind", [], (g, e, labels) => {
    if (e.downloadMilliseconds !== null) g.set(labels, e.downloadMilliseconds / 1000);
  });
  gauge('graph_pki_crl_size_bytes', "Size of the CRL at the CRL health check's last download, by tenant, CA and kind", [], (g, e, labels) => {
    if (e.sizeBytes !== null) g.set(labels, e.sizeBytes);
  });
}

/** Times every request by its route pattern ('not-found' when none matched), on every route of `app`. */
export function registerRequestMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? 'not-found', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/** GET /metrics: the registry in Prometheus text format (no auth, like /healthz). */
export function registerMetricsRoute(app: FastifyInstance, metrics: AppMetrics): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
}
