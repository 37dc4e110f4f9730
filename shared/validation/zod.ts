/**
 * The one place deploy-medic gets its schema library: zod's "mini" build, with its English
 * messages switched on.
 *
 * Why mini: classic `zod` is a class hierarchy with every method on every schema, so esbuild
 * cannot drop what is unused - it put ~440 KiB (minified) into every bundle that validates an
 * event, and about 80 ms into each cold start (`npm run bench`). zod/mini is the same engine
 * with standalone functions (`z.optional(s)`, `s.check(z.minLength(1))`), so a bundle keeps
 * only what it calls: ~20 KiB here. Same parsing, same issues, same messages.
 *
 * Why the locale: mini ships no messages by default (every issue would read "Invalid input");
 * errors from deploy-medic must say what is wrong, so the English locale is configured once,
 * here, before any schema runs.
 */
import { config } from 'zod/mini';
// The English locale alone: `zod/locales` would bring every language (~400 KiB).
import en from 'zod/v4/locales/en.js';

config(en());

// Import as `import * as z from '../validation/zod'`. Re-exported name by name (not as one `z`
// object): an exported namespace object would keep the whole library in every bundle.
export * from 'zod/mini';
