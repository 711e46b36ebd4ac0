// Row types of every table. Portable column types only (text, integer); timestamps are ISO-8601 UTC
// text with second precision, so they compare and sort as strings on SQLite and PostgreSQL alike.

export interface PkiTable {
  tenant_id: string;
  id: string;
  display_name: string | null;
  status: string;
  status_details: string | null;
  last_modified_date_time: string;
  created_date_time: string;
  deleted_date_time: string | null;
}

export interface SigningKeyTable {
  kid: string;
  private_jwk: string;
  created_date_time: string;
}

export interface Database {
  certificate_based_auth_pki: PkiTable;
}
