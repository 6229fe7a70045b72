// What every handler is given: the database, the district, the clock, a logger, and hooks
// the job layer listens on (new outbox rows, changed deadlines) without handlers knowing it.
import type { Clock } from '../config/clock.ts';
import type { District } from '../config/district.ts';
import type { Logger } from '../config/log.ts';
import type { Db } from '../db/connect.ts';
import type { Advisor } from './intake/advisor.ts';
import type { WorkBatch } from './work-batch.ts';

export interface Effects {
  /** outbox rows were written */
  outbox: boolean;
  /** calls whose assignments or deadlines changed: their timers need (re)deriving */
  timers: string[];
}

export interface Ctx {
  db: Db;
  district: District;
  clock: Clock;
  log: Logger;
  afterCommit?: (effects: Effects) => void;
  /** the chat platforms switched on; messages go only to chats on these (all when unset) */
  platforms?: string[];
  /** the platforms that can show a message in a group to one person alone (else: ask for a direct message) */
  privateReplies?: string[];
  /** the service's public address (HUYING_PUBLIC_URL), for links in messages; relative links without it */
  publicUrl?: string;
  /** run commands to the end and keep nothing: would this succeed now? (what a card may offer) */
  rehearse?: boolean;
  /** several events worked through at once: their new calls are written together */
  batch?: WorkBatch;
  /** the district's language model, asked about reports the parser is unsure of (when configured) */
  advise?: Advisor;
}
