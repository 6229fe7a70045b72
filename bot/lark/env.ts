// Lark's environment variables (validated with the service's at start).
import { z } from 'zod';
import { optionalText, url } from '../../config/env.ts';

export const LARK_ENV = {
  LARK_APP_ID: optionalText,
  LARK_APP_SECRET: optionalText,
  LARK_ENCRYPT_KEY: optionalText,
  LARK_VERIFICATION_TOKEN: optionalText,
  LARK_DOMAIN: url(['http', 'https']),
  LARK_MODE: z.enum(['webhook', 'ws']).default('webhook'),
};
