// `--fault` rules: comma-separated key=value pairs, several rules separated by `;` (or the flag repeated).
//   status=429|500|503|504 or delay=<ms>   what happens (exactly one of them)
//   rate=<0..1>                            probability per matching request (default 1)
//   path=<glob>                            `*` one segment, `**` any (default: this API's Graph paths)
//   methods=GET+POST                       methods it applies to (default: all)
//   retry-after=<seconds>                  Retry-After of 429/503 (default 1), optional on 500/504
//   times=<n>                              stop after n injections (default: no limit)
import { InvalidArgumentError } from 'commander';
import type { FaultEffect, FaultRule } from '../config.ts';
import { DEFAULT_FAULT_PATH } from '../http/fault-injection.ts';

const STATUSES = [429, 500, 503, 504] as const;
const KEYS = new Set(['status', 'delay', 'rate', 'path', 'methods', 'retry-after', 'times']);

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
  if (!path.startsWith('/')) throw new InvalidArgumentError('path must start with /.');
  const methods = (fields.get('methods') ?? '')
    .split('+')
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
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
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}.`);
  }
  return n;
}
