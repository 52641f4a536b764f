/** A found value that a matcher cannot compare at all (goss reports it as the result's Err). */
export class MatchError extends Error {}
