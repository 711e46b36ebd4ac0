// Option parsers shared by the commands. Every flag also reads GRAPH_PKI_<FLAG> from the environment.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { databaseLocationProblem } from '../config.ts';

export function envOption(flags: string, description: string): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return new Option(flags, description).env(`GRAPH_PKI_${long.toUpperCase().replaceAll('-', '_')}`);
}

const ENV_TRUE = /^(?:true|1|yes|on)$/i;
const ENV_FALSE = /^(?:false|0|no|off|)$/i;

/**
 * Commander turns a value-less flag on whenever its environment variable exists, whatever it holds,
 * so GRAPH_PKI_ALLOW_PRIVATE_FETCH=false would open the download guard. Run before an action: it reads
 * such variables as booleans and refuses (exit 2) a value that is neither.
 */
export function readBooleanEnvironment(command: Command): void {
  for (const option of command.options) {
    const name = option.attributeName();
    if (!option.isBoolean() || option.negate || !option.envVar || command.getOptionValueSource(name) !== 'env') continue;
    const raw = (process.env[option.envVar] ?? '').trim();
    if (ENV_TRUE.test(raw)) command.setOptionValueWithSource(name, true, 'env');
    else if (ENV_FALSE.test(raw)) command.setOptionValueWithSource(name, false, 'env');
    else command.error(`error: environment variable ${option.envVar}='${raw}' is not a boolean: use true or false (1/0, yes/no, on/off)`, { exitCode: 2 });
  }
}

export function parseInteger(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** An ISO 8601 date and time (`--at`). */
export function parseTime(value: string): Date {
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-01T00:00:00Z.');
  return new Date(time);
}

/** A share from 0 to 1, e.g. 0.2. */
export function parseShare(value: string): number {
  const n = Number(value);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(value) || Number.isNaN(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1, such as 0.2.');
  return n;
}

export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseGuid(value: string): string {
  if (!GUID.test(value)) throw new InvalidArgumentError('expected a GUID such as 00000000-0000-4000-8000-000000000001.');
  return value.toLowerCase();
}

export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an absolute http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http(s) URL.');
  return value.replace(/\/+$/, '');
}

/** `--database`: a SQLite path, sqlite:<file>, :memory: or a postgres URL; anything else is a usage error (exit 2). */
export function parseDatabaseLocation(value: string): string {
  const problem = databaseLocationProblem(value);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return value;
}
