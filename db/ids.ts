// Row ids as the outside world writes them: a bigint column takes 0 … 2^63 − 1, anything else
// names no row (and would make PostgreSQL fail the query rather than find nothing).
const MAX_BIGINT = 9223372036854775807n;

/** True when `text` is a decimal id a bigint column can hold. */
export function isRowId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_BIGINT;
}
