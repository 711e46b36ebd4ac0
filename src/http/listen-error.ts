// Why the server could not listen, in words that name the address and the fix, instead of Node's bare
// `listen EADDRINUSE: address already in use 127.0.0.1:8080`.

const FIXES: Readonly<Record<string, (address: string, port: number) => string>> = {
  EADDRINUSE: (address) => `${address} is already in use by another process: stop it, choose another --port, or give --port 0 for any free port`,
  EACCES: (address, port) =>
    `this user may not listen on ${address}${port > 0 && port < 1024 ? ` (ports below 1024 need privileges): choose --port 1024 or above` : ''}`,
  EADDRNOTAVAIL: (address) => `${address} is not an address of this machine: give --host 127.0.0.1, 0.0.0.0 or one of its own addresses`,
  ENOTFOUND: (address) => `the host of ${address} does not resolve: give --host an address or a name this machine knows`,
};

/** The error to report when listening on host:port failed with `error`. */
export function describeListenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const fix = code ? FIXES[code] : undefined;
  if (!fix) return error instanceof Error ? error : new Error(String(error));
  return new Error(`cannot listen on ${address}: ${fix(address, port)} (${code})`, { cause: error });
}
