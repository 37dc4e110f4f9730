/**
 * Keeps Slack credentials out of logs. The redaction itself lives in shared/logRedaction.ts
 * and is built into the shared logger, so every Lambda gets it; this module keeps the names
 * the notify code has always imported.
 */
import { logger } from '../observability';

export { redactingReplacer, redactSecrets } from '../logRedaction';

/**
 * The notify Lambda's logger: the shared one itself, not a child. A child would not see the
 * correlation id the handler wrapper sets on the shared logger (Powertools keeps temporary
 * keys per instance), and the shared logger already redacts.
 */
export const notifyLogger = logger;
