// Fault injection for testing clients: matching requests answered with 429/500/503/504 in Graph's
// envelope (Retry-After where Graph sends it) or delayed; rate, times, methods and path patterns; a
// seed repeats a run; off by default; rules as the CLI parses them; a fault is counted in /metrics.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FaultRule } from '../../src/config.ts';
import { parseFaultRule, parseFaultRules } from '../../src/cli/fault-option.ts';
import { globToRegExp } from '../../src/http/fault-injection.ts';
import { runCli } from '../helpers/cli.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const PKIS = `/beta${PKI_PATH}`;
const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serverWith(rules: readonly FaultRule[], seed?: number): Promise<TestServer> {
  const server = await startTestServer({ faults: { rules, seed } });
  servers.push(server);
  return server;
}

describe('fault injection', () => {
  it('answers 429 and 503 with Retry-After, 500 and 504 without, in Graph\'s envelope, before authentication', async () => {
    const t = await serverWith(parseFaultRules('status=429,methods=GET,path=/beta/**,retry-after=7;status=503,methods=POST;status=500,methods=PATCH;status=504,methods=DELETE'));
    const tooMany = await t.request('GET', PKIS, { token: null, headers: { 'client-request-id': 'fault-1' } });
    assert.equal(tooMany.status, 429, 'injected before the missing token is noticed');
    assert.equal(tooMany.headers.get('retry-after'), '7');
    assert.equal(tooMany.body.error.code, 'TooManyRequests');
    assert.equal(tooMany.body.error.innerError['client-request-id'], 'fault-1');

    const unavailable = await t.request('POST', PKIS, { body: { displayName: 'x' } });
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '1');
    assert.equal(unavailable.body.error.code, 'serviceNotAvailable');

    const internal = await t.request('PATCH', `${PKIS}/00000000-0000-4000-8000-000000000000`, { body: { displayName: 'x' } });
    assert.equal(internal.status, 500);
    assert.equal(internal.headers.get('retry-after'), null);
    assert.equal(internal.body.error.code, 'InternalServerError');

    const timeout = await t.request('DELETE', `${PKIS}/00000000-0000-4000-8000-000000000000`);
    assert.equal(timeout.status, 504);
    assert.equal(timeout.body.error.code, 'GatewayTimeout');

    // Paths outside the rules are served normally: /v1.0 (the GET rule names /beta), and /healthz.
    assert.equal((await t.request('GET', `/v1.0${PKI_PATH}`)).status, 200);
    assert.equal((await t.request('GET', '/healthz', { token: null })).status, 200);

    const metrics = await t.request('GET', '/metrics', { token: null });
    for (const effect of ['429', '503', '500', '504']) {
      assert.match(metrics.text, new RegExp(`graph_pki_injected_faults_total\\{effect="${effect}"\\} 1\\b`));
    }
  });

  it('stops after `times` injections and nothing the faulted requests carried is written', async () => {
    const t = await serverWith([{ methods: ['POST'], path: '/beta/**', rate: 1, times: 2, effect: { status: 503, retryAfterSeconds: 1 } }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.request('POST', PKIS, { body: { displayName: `try ${i}` } })).status);
    assert.deepEqual(statuses, [503, 503, 201, 201]);
    const list = await t.request('GET', PKIS);
    assert.deepEqual(list.body.value.map((p: { displayName: string }) => p.displayName).sort(), ['try 2', 'try 3']);
  });

  it('delays matching requests and then serves them', async () => {
    const t = await serverWith(parseFaultRules('delay=400,methods=GET,path=/beta/directory/publicKeyInfrastructure'));
    let started = Date.now();
    const delayed = await t.request('GET', '/beta/directory/publicKeyInfrastructure');
    assert.equal(delayed.status, 200);
    assert.ok(Date.now() - started >= 380, `answered after ${Date.now() - started} ms`);
    started = Date.now();
    assert.equal((await t.request('GET', PKIS)).status, 200);
    assert.ok(Date.now() - started < 380, 'another path is not delayed');
  });

  it('injects with the configured rate, repeatably for one seed', async () => {
    const rule = parseFaultRule('status=500,rate=0.5');
    const pattern = async (server: TestServer) => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await server.request('GET', PKIS)).status);
      return out;
    };
    const first = await pattern(await serverWith([rule], 42));
    const second = await pattern(await serverWith([rule], 42));
    assert.deepEqual(first, second, 'the same seed gives the same faults');
    const faults = first.filter((s) => s === 500).length;
    assert.ok(faults >= 8 && faults <= 32, `${faults} of 40 at rate 0.5`);
    assert.ok(first.every((s) => s === 500 || s === 200));
  });

  it('is off by default', async () => {
    const t = await startTestServer();
    servers.push(t);
    for (let i = 0; i < 5; i++) assert.equal((await t.request('GET', PKIS)).status, 200);
    // Every series is there from the start, at zero, and stays there.
    const metrics = (await t.request('GET', '/metrics', { token: null })).text;
    for (const effect of ['429', '500', '503', '504', 'delay']) assert.match(metrics, new RegExp(`graph_pki_injected_faults_total\\{effect="${effect}"\\} 0\\b`));
  });
});

describe('--fault rules', () => {
  it('parses every key, with defaults', () => {
    assert.deepEqual(parseFaultRule('status=429,rate=0.25,path=/v1.0/**,methods=get+post,retry-after=3,times=2'), {
      methods: ['GET', 'POST', 'HEAD'],
      path: '/v1.0/**',
      rate: 0.25,
      times: 2,
      effect: { status: 429, retryAfterSeconds: 3 },
    });
    assert.deepEqual(parseFaultRule('delay=1500'), { methods: [], path: '/*/directory/**|/*/policies/**', rate: 1, times: undefined, effect: { delayMs: 1500 } });
    assert.equal(parseFaultRules('status=500; delay=10').length, 2);
  });

  for (const [text, message] of [
    ['status=418', /status must be one of 429, 500, 503, 504/],
    ['status=429,delay=5', /exactly one of status/],
    ['rate=0.5', /exactly one of status/],
    ['status=500,rate=2', /rate must be a number from 0 to 1/],
    ['status=500,colour=red', /'colour=red' is not key=value/],
    ['delay=10,retry-after=1', /retry-after goes with status/],
    ['status=500,path=beta', /path must start with \//],
    ['status=500,times=0', /times must be a whole number/],
    ['status=500,times=0x10', /times must be a whole number/],
    ['delay=1e3', /delay must be a whole number/],
    ['status=500,rate=.5x', /rate must be a number/],
    ['status=500,methods=FOO', /methods: 'FOO' is not one of GET, HEAD, POST, PATCH, PUT, DELETE, OPTIONS/],
    ['status=500,rate=0.1,rate=0.9', /rate is given twice/],
    ['status=500,path=/beta/**|beta', /path must start with \//],
  ] as const) {
    it(`refuses ${text}`, () => {
      assert.throws(() => parseFaultRule(text), message);
    });
  }

  it('matches this API’s Graph paths by default, the x509 policy included, and | alternatives', () => {
    const byDefault = globToRegExp(parseFaultRule('status=500').path);
    for (const path of [`/beta${PKI_PATH}`, `/V1.0${PKI_PATH}/x/upload`, '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate']) {
      assert.ok(byDefault.test(path), path);
    }
    for (const path of ['/healthz', '/_admin/tenants', '/graph-pki/v1/verify', '/beta/$metadata']) assert.ok(!byDefault.test(path), path);
    const either = globToRegExp('/healthz|/readyz');
    assert.ok(either.test('/readyz') && either.test('/healthz') && !either.test('/metrics'));
  });

  it('a bad rule makes `serve` exit 2 with the reason', async () => {
    const result = await runCli(['serve', '--port', '0', '--database', ':memory:', '--fault', 'status=418']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--fault <rule>.*status must be one of 429, 500, 503, 504/);
  });
});
