// Migrations are imported statically (not scanned from a folder) so they work the same under tsx and
// from the esbuild bundle. Names sort in the order they must run.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.ts';
import * as certificateAuthoritiesAndJobs from './002-certificate-authorities-and-jobs.ts';
import * as queryKeysAndSettings from './003-query-keys-and-settings.ts';
import * as x509CertificatePolicy from './004-x509-certificate-policy.ts';
import * as crlCache from './005-crl-cache.ts';
import * as dropRedundantIndex from './006-drop-redundant-index.ts';
import * as throttleBuckets from './007-throttle-buckets.ts';
import * as crlUrlRepairAndTrustStoreLookup from './008-crl-url-repair-and-trust-store-lookup.ts';
import * as crlCacheBounds from './009-crl-cache-bounds.ts';
import * as crlCacheChunks from './010-crl-cache-chunks.ts';
import * as users from './011-users.ts';
import * as authenticationMethodsPolicy from './012-authentication-methods-policy.ts';
import * as classicCertificateStore from './013-classic-certificate-store.ts';
import * as crlHealth from './014-crl-health.ts';
import * as signin from './015-signin.ts';
import * as refreshTokens from './016-refresh-tokens.ts';

const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-certificate-authorities-and-jobs': certificateAuthoritiesAndJobs,
  '003-query-keys-and-settings': queryKeysAndSettings,
  '004-x509-certificate-policy': x509CertificatePolicy,
  '005-crl-cache': crlCache,
  '006-drop-redundant-index': dropRedundantIndex,
  '007-throttle-buckets': throttleBuckets,
  '008-crl-url-repair-and-trust-store-lookup': crlUrlRepairAndTrustStoreLookup,
  '009-crl-cache-bounds': crlCacheBounds,
  '010-crl-cache-chunks': crlCacheChunks,
  '011-users': users,
  '012-authentication-methods-policy': authenticationMethodsPolicy,
  '013-classic-certificate-store': classicCertificateStore,
  '014-crl-health': crlHealth,
  '015-signin': signin,
  '016-refresh-tokens': refreshTokens,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations);
