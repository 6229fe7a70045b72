// Refusals: what a person did that cannot be done, with a Chinese reason for them and an
// English code for the logs. A refusal changes nothing.
export type RefusalCode =
  | 'bad_input'
  | 'unknown_call'
  | 'forbidden'
  | 'wrong_state'
  | 'already_done'
  | 'reason_required'
  | 'unknown_unit'
  | 'not_bound';

export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    /** for the person, in Chinese */
    readonly reason: string,
    /** for the logs, in English */
    readonly detail?: string,
  ) {
    super(detail ?? code);
    this.name = 'Refusal';
  }
}

export const refuse = (code: RefusalCode, reason: string, detail?: string): never => {
  throw new Refusal(code, reason, detail);
};
