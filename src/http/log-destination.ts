// Where the server's log lines go, and in which form: JSON lines on standard error (for pipes, files and
// log collectors), or pino-pretty's human form for a person watching a terminal. pino-pretty is imported
// only when pretty output is chosen, so JSON deployments never load it.
import type { DestinationStream } from 'pino';
import type { LogFormat } from '../config.ts';

/** What `auto` means: pretty on a terminal, JSON anywhere else. */
export function resolveLogFormat(format: LogFormat, stream: { readonly isTTY?: boolean }): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return stream.isTTY === true ? 'pretty' : 'json';
}

export async function logDestination(format: LogFormat, stream: NodeJS.WriteStream = process.stderr): Promise<DestinationStream> {
  if (resolveLogFormat(format, stream) === 'json') return stream;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: stream,
    sync: true,
    colorize: stream.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The request line (request-log.ts) reads as `GET /beta/… 201 3.2 ms`, its ids follow as JSON; only that
    // line carries method, route, status and ms, so leaving them out of the trailing object loses nothing.
    ignore: 'pid,hostname,method,route,status,ms',
    messageFormat: (log, messageKey) =>
      log[messageKey] === 'request' ? `${String(log.method)} ${String(log.route)} ${String(log.status)} ${String(log.ms)} ms` : String(log[messageKey]),
  });
}
