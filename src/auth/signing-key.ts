// The local token-signing key: an ES256 key pair generated on first use. With the embedded SQLite
// store it lives in the data folder (file mode 0600); instances that share a PostgreSQL database share
// it through the database instead, so a token minted for one is accepted by all.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { folderProblem } from '../diagnostics/path-problem.ts';

export const SIGNING_KEY_FILE = 'token-signing-key.json';
export const LOCAL_SIGNING_ALGORITHM = 'ES256';

export interface SigningKey {
  readonly kid: string;
  readonly alg: typeof LOCAL_SIGNING_ALGORITHM;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A new private JWK with its thumbprint as kid. */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = LOCAL_SIGNING_ALGORITHM;
  return jwk;
}

export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK));
  return { kid, alg: LOCAL_SIGNING_ALGORITHM, privateKey, publicKey };
}

/** The key of a data folder, created there (mode 0600) if missing. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  return signingKeyFromJwk(readKeyFile(file) ?? (await createKeyFile(file)));
}

/** The key of a data folder a server already uses; an error, and nothing created, when there is none. */
export async function loadExistingSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  const jwk = readKeyFile(file);
  if (jwk === undefined) throw new Error(`there is no token-signing key in ${path.resolve(dataDir)} (no ${SIGNING_KEY_FILE}): is --data the running server's data folder?`);
  return signingKeyFromJwk(jwk);
}

/** The key file's JWK; undefined when the file does not exist. */
function readKeyFile(file: string): JWK | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the token-signing key ${file}: ${(error as Error).message}`);
  }
}

async function createKeyFile(file: string): Promise<JWK> {
  const problem = folderProblem(path.dirname(file));
  if (problem) throw new Error(`cannot create the token-signing key ${path.resolve(file)}: ${problem}; give --data a folder this user may write (it is created if missing)`);
  mkdirSync(path.dirname(file), { recursive: true });
  const jwk = await generateSigningJwk();
  try {
    // 'wx': if another process created the file a moment ago, keep theirs.
    writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  }
}
