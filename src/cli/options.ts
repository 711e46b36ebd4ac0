// Option parsers shared by the commands. Every flag also reads GRAPH_PKI_<FLAG> from the environment.
import { InvalidArgumentError, Option } from 'commander';

export function envOption(flags: string, description: string): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return new Option(flags, description).env(`GRAPH_PKI_${long.toUpperCase().replaceAll('-', '_')}`);
}

export function parseInteger(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
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
