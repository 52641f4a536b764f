/** A matcher's refusal of its own arguments or input (goss's wording), not a failed check. */
export class MatchError extends Error {}
