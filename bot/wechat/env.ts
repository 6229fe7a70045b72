// WeChat's environment variables (validated with the service's at start).
import { optionalText } from '../../config/env.ts';

export const WECHAT_ENV = {
  WECHATY_PUPPET: optionalText,
  WECHATY_PUPPET_SERVICE_TOKEN: optionalText,
};
