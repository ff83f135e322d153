import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A file read that may fail: a missing or unreadable file is "no evidence", not an error. */
export type FileRead<T> = { ok: true; value: T } | { ok: false; reason: 'missing' | 'denied' | 'error'; error: string };

/** Read-only access to host files (`/proc`, `/sys`, `/etc/machine-id`), the only way collectors read them. */
export interface HostFiles {
  readText(hostPath: string): Promise<FileRead<string>>;
  readBytes(hostPath: string): Promise<FileRead<Uint8Array>>;
  /** Entry names of a directory, or a failed read. */
  list(hostPath: string): Promise<FileRead<string[]>>;
  exists(hostPath: string): Promise<boolean>;
}

function failed(e: unknown): { ok: false; reason: 'missing' | 'denied' | 'error'; error: string } {
  const err = e as NodeJS.ErrnoException;
  const reason = err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : err.code === 'EACCES' || err.code === 'EPERM' ? 'denied' : 'error';
  return { ok: false, reason, error: err.code ? `${err.code}: ${err.message}` : String(e) };
}

/**
 * Host files under a root (`--sysroot`, default `/`), so tests can point the collectors at a fake tree
 * holding `sys/…`, `proc/…` and `etc/machine-id`.
 */
export class RootedHostFiles implements HostFiles {
  constructor(readonly root = '/') {}

  resolve(hostPath: string): string {
    return path.join(this.root, hostPath);
  }

  async readText(hostPath: string): Promise<FileRead<string>> {
    try {
      return { ok: true, value: await fs.readFile(this.resolve(hostPath), 'utf8') };
    } catch (e) {
      return failed(e);
    }
  }

  async readBytes(hostPath: string): Promise<FileRead<Uint8Array>> {
    try {
      return { ok: true, value: new Uint8Array(await fs.readFile(this.resolve(hostPath))) };
    } catch (e) {
      return failed(e);
    }
  }

  async list(hostPath: string): Promise<FileRead<string[]>> {
    try {
      return { ok: true, value: (await fs.readdir(this.resolve(hostPath))).sort() };
    } catch (e) {
      return failed(e);
    }
  }

  async exists(hostPath: string): Promise<boolean> {
    try {
      await fs.lstat(this.resolve(hostPath));
      return true;
    } catch {
      return false;
    }
  }
}
