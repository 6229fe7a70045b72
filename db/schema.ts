// Kysely table types: one interface a table, nullable columns as `T | null`.
import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type BigId = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface UnitsTable {
  code: string;
  kind: 'office' | 'leaders' | 'street' | 'community' | 'department';
  name: string;
  parent_code: string | null;
  active: Generated<boolean>;
}

export interface PeopleTable {
  id: Generated<string>;
  name: string;
  unit_code: string;
  role: string;
  phone: string | null;
  from_config: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface PersonIdentitiesTable {
  platform: string;
  platform_user_id: string;
  person_id: BigId;
  display_name: string | null;
}

export interface ChatBindingsTable {
  platform: string;
  chat_id: string;
  unit_code: string;
  role: 'community' | 'street' | 'department' | 'office' | 'leader';
  title: string | null;
  from_config: Generated<boolean>;
}

export interface CatalogItemsTable {
  code: string;
  name: string;
  tier: string;
  lead_unit: string | null;
  co_units: string[];
  ack_limit: string | null;
  resolve_limit: string | null;
  keywords: string[];
  active: Generated<boolean>;
}

export interface CallNumbersTable {
  day: string;
  last: number;
}

/** Where a call stands (handlers/calls.ts has the moves between them). */
export const CALL_STATES = [
  'reported',
  'triaged',
  'called',
  'dispatched',
  'acknowledged',
  'in_progress',
  'resolved',
  'returned',
  'reopened',
  'closed',
  'archived',
  'merged',
  'cancelled',
] as const;
export type CallState = (typeof CALL_STATES)[number];
export type CallTier = 'simple' | 'general' | 'complex' | 'key' | 'emergency';
/** self: the street handles it; direct: the street calls the department; office, reverse: they dispatch */
export type CallMode = 'self' | 'direct' | 'office' | 'reverse';
export type AssignmentState =
  | 'dispatched'
  | 'acknowledged'
  | 'in_progress'
  | 'resolved'
  | 'returned'
  | 'reassigned'
  | 'cancelled';

export interface CallsTable {
  id: Generated<string>;
  no: string;
  text: string;
  location: string | null;
  latitude: number | null;
  longitude: number | null;
  source: string;
  source_chat_platform: string | null;
  source_chat_id: string | null;
  source_message_id: string | null;
  reporter_person_id: BigId | null;
  reporter_name: string | null;
  reporter_contact: string | null;
  street_code: string;
  community_code: string | null;
  category_code: string;
  tier: CallTier;
  mode: CallMode;
  state: CallState;
  emergency: Generated<boolean>;
  /** the parser was in doubt (no alarm, but its learned score leaned toward one): the street is
   * asked to triage it within minutes */
  in_doubt: Generated<boolean>;
  merged_into_id: BigId | null;
  images: ColumnType<string[], string | undefined, string>;
  resolve_due_at: Timestamp | null;
  /** when the call entered its state: a waiting state's reminders count from it */
  state_since: ColumnType<Date, Date | string | undefined, Date | string>;
  spot_check: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  triaged_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  archived_at: Timestamp | null;
  version: Generated<number>;
  /** when the retention sweep erased the call's personal data */
  personal_erased_at: Timestamp | null;
}

export interface AssignmentsTable {
  id: Generated<string>;
  call_id: BigId;
  unit_code: string;
  role: 'lead' | 'co' | 'self';
  round: Generated<number>;
  state: AssignmentState;
  dispatched_by_person_id: BigId | null;
  dispatched_by_unit: string | null;
  dispatched_at: Timestamp;
  ack_due_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: BigId | null;
  resolve_due_at: Timestamp | null;
  resolved_at: Timestamp | null;
  resolved_by: BigId | null;
  result_text: string | null;
  result_images: ColumnType<string[], string | undefined, string>;
  returned_at: Timestamp | null;
  return_reason: string | null;
  ended_at: Timestamp | null;
  version: Generated<number>;
}

export interface CallEventsTable {
  id: Generated<string>;
  call_id: BigId;
  assignment_id: BigId | null;
  at: Timestamp;
  kind: string;
  actor_person_id: BigId | null;
  actor_label: string;
  payload: JSONColumnType<Record<string, unknown>, string, never>;
}

/** The personal values of a timeline event, kept apart so they can be erased (handlers/personal.ts). */
export interface EventPersonalTable {
  event_id: BigId;
  call_id: BigId;
  actor_label: string | null;
  phones: ColumnType<Record<string, string[]>, string | undefined, string>;
  erased_at: Timestamp | null;
}

export interface ScoresTable {
  id: Generated<string>;
  assignment_id: BigId;
  call_id: BigId;
  unit_code: string;
  street_code: string;
  scored_by: BigId | null;
  ack: number;
  professional: number;
  ownership: number;
  cooperation: number;
  result: number;
  total: number;
  comment: string | null;
  reason: string | null;
  supersedes_id: BigId | null;
  current: Generated<boolean>;
  created_at: Timestamp;
}

export interface SatisfactionTable {
  id: Generated<string>;
  call_id: BigId;
  answer: 'satisfied' | 'basic' | 'unsatisfied';
  person_id: BigId | null;
  at: Timestamp;
}

export interface AnnualSurveysTable {
  year: number;
  unit_code: string;
  score: ColumnType<string, number | string, number | string>;
  sample_size: number;
  imported_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<string>;
  created_at: Timestamp;
  kind: 'message' | 'card_update' | 'webhook';
  platform: string;
  chat_id: string;
  call_id: BigId | null;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  idempotency_key: string;
  state: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  available_at: Timestamp;
  sent_at: Timestamp | null;
  platform_message_id: string | null;
  /** its place in its chat's line: 1 (urgent) goes ahead of 0 (routine), never ahead of an
   * older row of the same call */
  priority: Generated<number>;
  /** under a flood: the row whose message carried this one too (that row itself once claimed) */
  merged_into: BigId | null;
  /** the worker holding the claim (available_at is then its lease) */
  lease_owner: string | null;
}

export interface OutboxLinesTable {
  platform: string;
  chat_id: string;
  /** since when the chat's line has been long */
  long_since: Timestamp;
  /** when the office was warned about it (once per episode) */
  warned_at: Timestamp | null;
}

export interface InboundEventsTable {
  platform: string;
  event_id: string;
  received_at: Timestamp;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  state: Generated<'received' | 'processed' | 'failed'>;
  processed_at: Timestamp | null;
  error: string | null;
  /** the platform's message id for messages (not button presses): a second delivery is a duplicate */
  message_key: string | null;
  /** processing: held by `claimed_by` until then; afterwards any process may take it */
  claimed_until: Timestamp | null;
  claimed_by: string | null;
  attempts: Generated<number>;
}

export interface SentMessagesTable {
  id: Generated<string>;
  outbox_id: BigId | null;
  platform: string;
  chat_id: string;
  platform_message_id: string;
  call_id: BigId | null;
  card_kind: string | null;
  assignment_id: BigId | null;
  created_at: Timestamp;
}

export interface SimMessagesTable {
  id: Generated<string>;
  chat_id: string;
  from_bot: boolean;
  sender: string;
  body: JSONColumnType<Record<string, unknown>, string, string>;
  reply_to: BigId | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** photos people attached where their platform keeps none; retention empties old ones */
export interface AttachmentsTable {
  id: Generated<string>;
  chat_id: string;
  mime: string;
  bytes: Buffer;
  created_at: Generated<Date>;
}

/** a one-time console login link, sent privately; only its digest is kept */
export interface ConsoleLinksTable {
  id: Generated<string>;
  token_hash: string;
  person_id: BigId;
  platform: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** a console session a link started; only its digest is kept */
export interface ConsoleSessionsTable {
  id: Generated<string>;
  token_hash: string;
  person_id: BigId;
  link_id: BigId | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: Timestamp | null;
  user_agent: string | null;
}

export interface Database {
  units: UnitsTable;
  people: PeopleTable;
  person_identities: PersonIdentitiesTable;
  chat_bindings: ChatBindingsTable;
  catalog_items: CatalogItemsTable;
  call_numbers: CallNumbersTable;
  calls: CallsTable;
  assignments: AssignmentsTable;
  call_events: CallEventsTable;
  event_personal: EventPersonalTable;
  scores: ScoresTable;
  satisfaction: SatisfactionTable;
  annual_surveys: AnnualSurveysTable;
  outbox: OutboxTable;
  outbox_lines: OutboxLinesTable;
  inbound_events: InboundEventsTable;
  sent_messages: SentMessagesTable;
  sim_messages: SimMessagesTable;
  attachments: AttachmentsTable;
  console_links: ConsoleLinksTable;
  console_sessions: ConsoleSessionsTable;
}

export type Unit = Selectable<UnitsTable>;
export type Person = Selectable<PeopleTable>;
export type ChatBinding = Selectable<ChatBindingsTable>;
export type CatalogItem = Selectable<CatalogItemsTable>;
export type Call = Selectable<CallsTable>;
export type NewCall = Insertable<CallsTable>;
export type CallUpdate = Updateable<CallsTable>;
export type Assignment = Selectable<AssignmentsTable>;
export type NewAssignment = Insertable<AssignmentsTable>;
export type CallEvent = Selectable<CallEventsTable>;
export type Score = Selectable<ScoresTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
export type InboundEvent = Selectable<InboundEventsTable>;
export type SentMessage = Selectable<SentMessagesTable>;
export type SimMessage = Selectable<SimMessagesTable>;
export type ConsoleSession = Selectable<ConsoleSessionsTable>;
