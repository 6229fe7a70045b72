// What people send, from any platform, in one shape.
import { z } from 'zod';

export const inboundSchema = z.object({
  /** the adapter's platform name (bot/adapters.ts lists them) */
  platform: z.string().regex(/^[a-z][a-z0-9]*$/),
  /** the platform's own event id, for deduplication; absent where the platform has none */
  eventId: z.string().min(1).optional(),
  chatId: z.string().min(1),
  /** the platform message id of what was said (for replies) or of the card that was pressed */
  messageId: z.string().optional(),
  sender: z.object({ userId: z.string().min(1), name: z.string().optional() }),
  /** the text with @-mentions of the bot removed */
  text: z.string().default(''),
  /** whether the bot was @-mentioned (a report in a group needs it) */
  mentionsBot: z.boolean().default(false),
  images: z.array(z.string()).default([]),
  /** a pressed button or a submitted form: the command text, with the form's values */
  action: z
    .object({
      command: z.string().min(1),
      form: z.record(z.string(), z.string().optional()).optional(),
      /** the form template when the command has {placeholders} */
      template: z.string().optional(),
    })
    .optional(),
  p2p: z.boolean().default(false),
});

export type Inbound = z.infer<typeof inboundSchema>;
