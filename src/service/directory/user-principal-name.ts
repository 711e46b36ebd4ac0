// The shape of a userPrincipalName as Graph's user-post-users page documents it: alias@domain, the alias
// of A-Z a-z 0-9 ' . - _ ! # ^ ~ only (no accented characters). Graph also requires the domain to be one
// of the tenant's verified domains; this server has no domain list and accepts any well-formed domain
// (README, Users). Lengths are the directory's: 64 characters before the @, 113 in all.
import { graphErrors } from '../errors.ts';

const ALIAS = /^[A-Za-z0-9'._!#^~-]+$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const MAX_ALIAS = 64;
const MAX_TOTAL = 113;

/** The name unchanged when well formed; else 400 saying what is wrong. */
export function checkUserPrincipalName(name: unknown): string {
  const invalid = (reason: string) => graphErrors.badRequest(`Invalid value specified for property 'userPrincipalName' of resource 'User'. ${reason}`);
  if (typeof name !== 'string' || name === '') throw invalid('A userPrincipalName is required.');
  const at = name.lastIndexOf('@');
  if (at <= 0 || at === name.length - 1) throw invalid(`'${name}' is not of the form alias@domain.`);
  const alias = name.slice(0, at);
  const domain = name.slice(at + 1);
  if (!ALIAS.test(alias)) throw invalid(`The alias '${alias}' may hold only A-Z a-z 0-9 ' . - _ ! # ^ ~ (no accented characters).`);
  if (alias.startsWith('.') || alias.endsWith('.')) throw invalid(`The alias '${alias}' must not start or end with a period.`);
  if (alias.length > MAX_ALIAS) throw invalid(`The alias before '@' may be at most ${MAX_ALIAS} characters long.`);
  if (name.length > MAX_TOTAL) throw invalid(`A userPrincipalName may be at most ${MAX_TOTAL} characters long.`);
  if (!DOMAIN.test(domain)) throw invalid(`'${domain}' is not a valid domain name.`);
  return name;
}
