// `--fault` rules: comma-separated key=value pairs, several rules separated by `;` (or the flag repeated).
//   status=429|500|503|504 or delay=<ms>   what happens (exactly one of them)
//   rate=<0..1>                            probability per matching request (default 1)
//   path=<glob>|<glob>                     `*` one segment, `**` any, `|` or (default: this API's Graph paths)
//   methods=GET+POST                       methods it applies to (default: all; GET includes HEAD)
//   retry-after=<seconds>                  Retry-After of 429/503 (default 1), optional on 500/504
//   times=<n>                              stop after n injections (default: no limit)
import { InvalidArgumentError } from 'commander';
import type { FaultEffect, FaultRule } from '../config.ts';
import { DEFAULT_FAULT_PATH } from '../http/fault-injection.ts';

const STATUSES = [429, 500, 503, 504] as const;
const KEYS = new Set(['status', 'delay', 'rate', 'path', 'methods', 'retry-after', 'times']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);

export function parseFaultRules(value: string, previous: readonly FaultRule[] = []): FaultRule[] {
  const rules = value
    .split(';')
    .map((text) => text.trim())
    .filter(Boolean)
    .map(parseFaultRule);
  return [...previous, ...rules];
}

export function parseFaultRule(text: string): FaultRule {
  const fields = new Map<string, string>();
  for (const pair of text.split(',')) {
    const [rawKey, ...rest] = pair.split('=');
    const key = rawKey?.trim().toLowerCase() ?? '';
    if (!KEYS.has(key) || rest.length === 0) {
      throw new InvalidArgumentError(`'${pair.trim()}' is not key=value with a key of ${[...KEYS].join(', ')}.`);
    }
    if (fields.has(key)) throw new InvalidArgumentError(`${key} is given twice.`);
    fields.set(key, rest.join('=').trim());
  }
  const status = fields.get('status');
  const delay = fields.get('delay');
  if ((status === undefined) === (delay === undefined)) throw new InvalidArgumentError('give exactly one of status=<429|500|503|504> or delay=<ms>.');
  const retryAfter = optionalNumber(fields.get('retry-after'), 'retry-after', 0, 3600, true);
  let effect: FaultEffect;
  if (status !== undefined) {
    const code = STATUSES.find((s) => String(s) === status);
    if (code === undefined) throw new InvalidArgumentError(`status must be one of ${STATUSES.join(', ')}.`);
    effect = { status: code, retryAfterSeconds: retryAfter };
  } else {
    if (retryAfter !== undefined) throw new InvalidArgumentError('retry-after goes with status=, not with delay=.');
    effect = { delayMs: optionalNumber(delay, 'delay', 0, 600_000, true) ?? 0 };
  }
  const path = fields.get('path') ?? DEFAULT_FAULT_PATH;
  if (!path.split('|').every((p) => p.startsWith('/'))) throw new InvalidArgumentError('path must start with / (each alternative, when separated by |).');
  const methods = (fields.get('methods') ?? '')
    .split('+')
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
  const unknown = methods.find((m) => !METHODS.has(m));
  if (unknown !== undefined) throw new InvalidArgumentError(`methods: '${unknown}' is not one of ${[...METHODS].join(', ')}.`);
  // A HEAD is a GET without its body, so a rule for GET covers it.
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  return {
    methods,
    path,
    rate: optionalNumber(fields.get('rate'), 'rate', 0, 1, false) ?? 1,
    times: optionalNumber(fields.get('times'), 'times', 1, Number.MAX_SAFE_INTEGER, true),
    effect,
  };
}

function optionalNumber(value: string | undefined, name: string, min: number, max: number, whole: boolean): number | undefined {
  if (value === undefined) return undefined;
  // Plain decimal only: Number() would also take 0x10, 1e3 and ' 5 '.
  const n = /^(?:\d+(?:\.\d+)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}.`);
  }
  return n;
}

/** A rule as the flag would give it (`status=429,rate=0.2,path=/beta/**,methods=GET+HEAD`), for the start-up notice. */
export function describeFaultRule(rule: FaultRule): string {
  const effect = 'status' in rule.effect
    ? [`status=${rule.effect.status}`, ...(rule.effect.retryAfterSeconds === undefined ? [] : [`retry-after=${rule.effect.retryAfterSeconds}`])]
    : [`delay=${rule.effect.delayMs}`];
  return [
    ...effect,
    `rate=${rule.rate}`,
    `path=${rule.path}`,
    ...(rule.methods.length > 0 ? [`methods=${rule.methods.join('+')}`] : []),
    ...(rule.times === undefined ? [] : [`times=${rule.times}`]),
  ].join(',');
}
