import { readFileSync, statSync, type Stats } from 'node:fs';

/**
 * Whether a user may open a serial device for reading and writing, worked out from the device
 * node's owner, group and mode (as the kernel does for an open), so it can be asked about another
 * user than the one running the check: `kiosk doctor` run as root asks about the kiosk's user.
 */
export interface Identity {
  name: string;
  uid: number;
  /** Primary and supplementary groups. */
  gids: number[];
}

/** /etc/passwd and /etc/group, parsed. */
export interface UserDatabase {
  user(name: string): Identity | null;
  userById(uid: number): string | null;
  groupName(gid: number): string | null;
}

export function systemUserDatabase(passwd = '/etc/passwd', group = '/etc/group'): UserDatabase {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  const users = read(passwd);
  const groups = read(group);
  return {
    user(name) {
      const u = users.find((r) => r[0] === name);
      if (!u) return null;
      const primary = Number(u[3]);
      const extra = groups.filter((g) => (g[3] ?? '').split(',').includes(name)).map((g) => Number(g[2]));
      return { name, uid: Number(u[2]), gids: [...new Set([primary, ...extra])] };
    },
    userById: (uid) => users.find((r) => Number(r[2]) === uid)?.[0] ?? null,
    groupName: (gid) => groups.find((g) => Number(g[2]) === gid)?.[0] ?? null,
  };
}

/** The identity this process runs with. */
export function currentIdentity(db: UserDatabase): Identity {
  const uid = process.getuid?.() ?? -1;
  return { name: db.userById(uid) ?? String(uid), uid, gids: process.getgroups?.() ?? [] };
}

export type Access = { ok: true; via: 'root' | 'owner' | 'group' | 'others' } | { ok: false; fix: string; why: string };

/** Read and write access of `who` to a node with `st`'s owner, group and mode. */
export function readWriteAccess(st: Pick<Stats, 'uid' | 'gid' | 'mode'>, who: Identity, db: UserDatabase): Access {
  const rw = (bits: number) => (bits & 6) === 6;
  if (who.uid === 0) return { ok: true, via: 'root' };
  if (st.uid === who.uid) {
    if (rw(st.mode >> 6)) return { ok: true, via: 'owner' };
  } else if (who.gids.includes(st.gid)) {
    if (rw(st.mode >> 3)) return { ok: true, via: 'group' };
  } else if (rw(st.mode)) {
    return { ok: true, via: 'others' };
  }
  const group = db.groupName(st.gid) ?? String(st.gid);
  const owner = db.userById(st.uid) ?? String(st.uid);
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  const why = `user ${who.name} cannot open it for reading and writing (owner ${owner}, group ${group}, mode ${mode})`;
  if (rw(st.mode >> 3) && !who.gids.includes(st.gid)) return { ok: false, why, fix: `add the user to the device's group: sudo usermod -aG ${group} ${who.name}, then restart the kiosk (sudo systemctl restart checkpoint-kiosk)` };
  return { ok: false, why, fix: 'the device node is not group read-write: install the kiosk\'s udev rules (packaging/linux/60-checkpoint-kiosk.rules: GROUP="dialout", MODE="0660"), then unplug and replug the device' };
}

/** stat() following links, or null when the path does not exist. */
export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
