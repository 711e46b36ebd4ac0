// The token-signing key of a server that already runs on a data folder (or shared database), for the
// commands that mint their own token to talk to it. Never creates a key: a wrong --data would otherwise
// leave a new key behind whose tokens the server refuses (401 on every request).
import type { SigningKey } from '../auth/signing-key.ts';
import { existingSigningKeyOf } from '../auth/signing-key-source.ts';
import { ServerCallError } from './server-call.ts';

export interface ServerKeyOptions {
  data: string;
  database?: string;
}

/** The key, or a ServerCallError naming the file or database looked at and `tokenFlag`, the way around it. */
export async function keyOfRunningServer(options: ServerKeyOptions, tokenFlag: string): Promise<SigningKey> {
  try {
    return await existingSigningKeyOf(options.data, options.database);
  } catch (error) {
    const what = tokenFlag === '--admin-token' ? 'an admin token' : 'a token';
    throw new ServerCallError(`cannot mint ${what}: ${(error as Error).message} (or pass ${tokenFlag})`);
  }
}
