/**
 * The shell's exit codes, for the service unit (`systemctl status` shows them; a unit may treat them
 * differently). Every failure exits non-zero so systemd restarts the kiosk with its own backoff.
 */
export const ShellExit = {
  /** A bad option after `--` (the message names it). */
  BadOptions: 2,
  /** The host kept failing (or cannot start: key, native module); the fault screen showed why. */
  HostGaveUp: 3,
  /** The renderer kept crashing. */
  RendererGaveUp: 4,
} as const;
