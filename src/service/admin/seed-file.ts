// The seed file of `serve --seed FILE`: read, parsed and checked against its schema before anything is
// written; then applied by the seed service. Every problem names the file and the JSON path at fault.
import { readFile } from 'node:fs/promises';
import { Type } from 'typebox';
import { PasswordProfileSchema } from '../directory/new-user-properties.ts';
import { DocumentProblem, documentChecker } from '../json-document.ts';
import type { SeedDocument, SeedResult, SeedService } from './seed-service.ts';

/** Why a seed could not be loaded; the server does not start. */
export class SeedFileError extends Error {
  constructor(file: string, problem: string) {
    super(`seed file ${file}: ${problem}`);
    this.name = 'SeedFileError';
  }
}

const GUID = { pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'a GUID' };
const nullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });

const SeedSchema = Type.Object(
  {
    tenants: Type.Array(
      Type.Object(
        {
          id: Type.String(GUID),
          pkis: Type.Array(
            Type.Object(
              {
                id: Type.Optional(Type.String(GUID)),
                displayName: Type.String(),
                certificateAuthorities: Type.Optional(
                  Type.Array(
                    Type.Object(
                      {
                        certificate: Type.String({ minLength: 1 }),
                        displayName: Type.Optional(nullableString()),
                        isIssuerHintEnabled: Type.Optional(Type.Boolean()),
                        certificateRevocationListUrl: Type.Optional(nullableString()),
                        deltaCertificateRevocationListUrl: Type.Optional(nullableString()),
                      },
                      { additionalProperties: false },
                    ),
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          oidcClients: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  clientId: Type.String({ minLength: 1, maxLength: 64 }),
                  displayName: Type.Optional(nullableString()),
                  redirectUris: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
                  clientSecret: Type.Optional(Type.String({ minLength: 16 })),
                  defaultScopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
                },
                { additionalProperties: false },
              ),
            ),
          ),
          classicCertificateBasedAuthConfiguration: Type.Optional(
            Type.Object(
              {
                certificateAuthorities: Type.Array(
                  Type.Object(
                    {
                      certificate: Type.String({ minLength: 1 }),
                      isRootAuthority: Type.Boolean(),
                      certificateRevocationListUrl: Type.Optional(nullableString()),
                      deltaCertificateRevocationListUrl: Type.Optional(nullableString()),
                    },
                    { additionalProperties: false },
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          users: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  id: Type.Optional(Type.String(GUID)),
                  // Required, as POST /users requires them: the user service's check names what is missing
                  // with the POST's own message, so they are optional (and nullable) here.
                  userPrincipalName: Type.Optional(nullableString()),
                  displayName: Type.Optional(nullableString()),
                  accountEnabled: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
                  passwordProfile: Type.Optional(Type.Union([PasswordProfileSchema, Type.Null()])),
                  mail: Type.Optional(nullableString()),
                  mailNickname: Type.Optional(nullableString()),
                  givenName: Type.Optional(nullableString()),
                  surname: Type.Optional(nullableString()),
                  jobTitle: Type.Optional(nullableString()),
                  // Items are checked by the user service, which says which value is wrong and why.
                  certificateUserIds: Type.Optional(Type.Array(Type.Unknown())),
                  onPremisesUserPrincipalName: Type.Optional(nullableString()),
                  onPremisesSyncEnabled: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
                },
                { additionalProperties: false },
              ),
            ),
          ),
          directoryRoleAssignments: Type.Optional(
            Type.Array(
              Type.Object({ userId: Type.String(GUID), roleTemplateIds: Type.Array(Type.String(GUID)) }, { additionalProperties: false }),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const seedChecker = documentChecker(SeedSchema);

/** Reads and checks the file; a SeedFileError says what is wrong and where. */
export async function readSeedFile(file: string): Promise<SeedDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SeedFileError(file, `cannot be read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    // Windows PowerShell 5.1 writes UTF-8 with a byte-order mark; the API's bodies may carry one too.
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new SeedFileError(file, `is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return seedChecker.check(value);
  } catch (error) {
    if (error instanceof DocumentProblem) throw new SeedFileError(file, error.message);
    throw error;
  }
}

/** Reads the file and applies it: all of it, or (SeedFileError) nothing. */
export async function loadSeedFile(file: string, seeds: SeedService): Promise<SeedResult> {
  const document = await readSeedFile(file);
  try {
    return await seeds.apply(document);
  } catch (error) {
    if (error instanceof DocumentProblem) throw new SeedFileError(file, error.message);
    throw error;
  }
}
