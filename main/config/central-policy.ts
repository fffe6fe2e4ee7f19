import { z } from 'zod';
import { describeIssue, PolicyConfigSchema, type PolicyConfig } from './kiosk-config.js';

/**
 * Central's policy for its kiosks: the fields of the configuration's `policy` section that the
 * command centre may set (docs/uplink-protocol.md, "Central's policy"). Everything else — the
 * policy's name and version, re-measurement, invalid IDs and expired cards, calibration, the
 * temperature model — stays the kiosk's own configuration.
 *
 * | field                  | what it decides                                                   |
 * |------------------------|-------------------------------------------------------------------|
 * | `mode`                 | HARD (a HOLD blocks) or SOFT (flagged for staff, passes)          |
 * | `feverThresholdC`      | the fever threshold                                               |
 * | `colourActions`        | what each list colour does (any of red, orange, yellow, blue)     |
 * | `watchlistMaxAgeHours` | how old the lists may be before the stale-list rule applies       |
 * | `staleWatchlist`       | what the stale-list rule does                                     |
 *
 * Each field is the config schema's own (ranges and values from `PolicyConfigSchema`, so central can
 * set nothing a technician could not write in the file), and the kiosk validates the policy it would
 * end up with against the whole `PolicyConfigSchema` before using it. Unknown fields are refused: a
 * policy is applied whole or not at all.
 */
const fields = PolicyConfigSchema.shape;
const actions = fields.colourActions.unwrap().shape;

export const CENTRAL_POLICY_FIELDS = ['mode', 'feverThresholdC', 'colourActions', 'watchlistMaxAgeHours', 'staleWatchlist'] as const;

export const CentralPolicySchema = z.strictObject({
  /** Central's version of its policy (recorded on every record decided under it). */
  version: z.string().min(1).max(32).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces, e.g. "2026-12-01.1"'),
  mode: fields.mode.unwrap().optional(),
  feverThresholdC: fields.feverThresholdC.unwrap().optional(),
  colourActions: z
    .strictObject({ red: actions.red.unwrap().optional(), orange: actions.orange.unwrap().optional(), yellow: actions.yellow.unwrap().optional(), blue: actions.blue.unwrap().optional() })
    .optional(),
  watchlistMaxAgeHours: fields.watchlistMaxAgeHours.unwrap().optional(),
  staleWatchlist: fields.staleWatchlist.unwrap().optional(),
});
export type CentralPolicy = z.infer<typeof CentralPolicySchema>;

/** Central's policy as it applies on this kiosk: the kiosk's policy section with central's fields, and central's version. */
export interface CentralPolicyInForce {
  policy: PolicyConfig;
  version: string;
}

export type CentralPolicyResult = { ok: true; inForce: CentralPolicyInForce } | { ok: false; problems: string[] };

/**
 * The kiosk's `policy` section with central's fields laid over it, validated by the config schema.
 * Never throws: a policy with an unknown field, a value out of range, or one that would make an
 * invalid policy section is refused with one line per problem ("central policy: field: ...").
 */
export function withCentralPolicy(local: PolicyConfig, received: unknown): CentralPolicyResult {
  const shape = CentralPolicySchema.safeParse(received, { reportInput: true });
  if (!shape.success) return { ok: false, problems: shape.error.issues.map((i) => `central policy: ${describeIssue(i)}`) };
  const { version, colourActions, ...set } = shape.data;
  const merged = PolicyConfigSchema.safeParse({ ...local, ...set, colourActions: { ...local.colourActions, ...colourActions } }, { reportInput: true });
  if (!merged.success) return { ok: false, problems: merged.error.issues.map((i) => `central policy: ${describeIssue({ ...i, path: ['policy', ...i.path] })}`) };
  return { ok: true, inForce: { policy: merged.data, version } };
}
