// @peculiar/x509 needs the Reflect metadata polyfill before it loads and a WebCrypto provider; every
// module of ours that uses it imports it from here so both are always in place.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
