#!/usr/bin/env node
// The `medic` command. The CLI is TypeScript, loaded through tsx so that `npm ci` is the
// only set-up step (no build to forget).
import { register } from 'tsx/esm/api';

register();
await import('../cli/medic.ts');
